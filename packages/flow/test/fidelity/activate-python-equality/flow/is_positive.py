from promptflow.core import tool


@tool
def is_positive(x: float) -> bool:
    return x > 0
