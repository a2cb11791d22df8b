from promptflow.core import tool


@tool
def join(a, b) -> str:
    return f"{a}+{b}"
