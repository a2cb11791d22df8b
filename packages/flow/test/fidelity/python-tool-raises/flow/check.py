from promptflow.core import tool


class QuotaExceeded(Exception):
    pass


@tool
def check(x: int) -> int:
    if x == 2:
        raise ValueError(f"bad value {x}")
    if x == 4:
        raise QuotaExceeded("over quota: 'daily'")
    if x == 5:
        return {"k": 1}["missing"]
    return x * 10
