from promptflow.core import ToolProvider, tool


class Greeter(ToolProvider):
    def __init__(self, prefix: str, repeat: int):
        super().__init__()
        self.prefix = prefix
        self.repeat = repeat

    @tool
    def greet(self, name: str) -> str:
        return " ".join([f"{self.prefix} {name}"] * self.repeat)
