from promptflow.core import tool


@tool
def upper(text: str) -> str:
    return text.upper() + "!"
