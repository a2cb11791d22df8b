from promptflow.core import tool


@tool
def negate(b: bool) -> bool:
    return not b
