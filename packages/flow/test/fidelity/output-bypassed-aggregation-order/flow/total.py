from promptflow.core import tool


@tool
def total(values: list) -> int:
    return sum(values)
