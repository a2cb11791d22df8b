from promptflow.core import tool


@tool
def greet(name: str, greeting: str, times: int) -> str:
    return " ".join([f"{greeting}, {name}!"] * times)
