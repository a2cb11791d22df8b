from promptflow.core import tool


@tool
def count(items: list) -> int:
    return len(items)
