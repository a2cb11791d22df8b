from promptflow.core import tool


@tool
def double(n: int) -> int:
    return n * 2
