from promptflow.core import tool


@tool
def label(tag: str) -> str:
    return f"[{tag}]"
