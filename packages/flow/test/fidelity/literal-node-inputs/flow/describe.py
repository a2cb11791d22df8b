from promptflow.core import tool


def show(value):
    return f"{type(value).__name__}:{value!r}"


@tool
def describe(untyped, untyped_text, untyped_json, as_str: str, as_int: int, as_float: float, as_bool: bool, as_list: list,
             flow_value, yaml_list, yaml_dict, empty="default-empty", nothing="default-none"):
    return {name: show(value) for name, value in [
        ("untyped", untyped), ("untyped_text", untyped_text), ("untyped_json", untyped_json), ("as_str", as_str),
        ("as_int", as_int), ("as_float", as_float), ("as_bool", as_bool), ("as_list", as_list),
        ("empty", empty), ("nothing", nothing), ("yaml_list", yaml_list), ("yaml_dict", yaml_dict),
        ("flow_value", flow_value)]}
