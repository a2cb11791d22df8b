from promptflow.core import tool


@tool
def short(text: str, limit: int) -> str:
    return text[:limit]
