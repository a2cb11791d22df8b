from promptflow.core import tool


@tool
def make(x: int) -> list:
    return [x, x * 2]
