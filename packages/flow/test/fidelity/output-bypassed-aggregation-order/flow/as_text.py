from promptflow.core import tool


@tool
def as_text(value) -> str:
    return f"<{value}>"
