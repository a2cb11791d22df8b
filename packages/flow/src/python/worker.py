"""A long-lived worker that runs Prompt flow Python nodes for the llmops executor.

Protocol: one JSON request a line on stdin, one JSON reply a line on the
original stdout. The protocol keeps private duplicates of fds 0 and 1; fd 1 is
then pointed at stderr and fd 0 at /dev/null, so neither print() nor a
subprocess nor input() can touch the protocol. During a call sys.stdout and
sys.stderr are captured into buffers that travel back with the reply, the way
Prompt flow fills a node run's logs.

Requests:  {"id", "op": "ping" | "load" | "call" | "metrics", ...}
Replies:   {"id", "ok", "value" | "error": {type, message, traceback, kind},
            "stdout", "stderr", "metrics"}

Stdlib only, Python 3.8+. When the real `promptflow` package is importable it
is used; otherwise a minimal compatible `promptflow` package is registered in
sys.modules (nothing is written to disk).
"""

import asyncio
import dataclasses
import datetime
import enum
import importlib.util
import inspect
import io
import json
import os
import sys
import traceback
import types
import typing

PF_MAIN_MODULE_NAME = "__pf_main__"
WORKER_FILE = os.path.abspath(__file__)


# --------------------------------------------------------------------------
# Output capture (Prompt flow's NodeLogManager / NodeLogWriter behaviour)
# --------------------------------------------------------------------------

class _NodeLogWriter(io.TextIOBase):
    """Replaces sys.stdout/sys.stderr for the worker's lifetime.

    Inside a call every write goes to the call's buffer, prefixed with a UTC
    timestamp unless it is a bare newline (as Prompt flow records node logs);
    outside a call it goes to the worker's stderr.
    """

    DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S%z"

    def __init__(self, fallback, name):
        super().__init__()
        self._fallback = fallback
        self._parts = None
        self._name = name
        self.record_datetime = True

    @property
    def name(self):
        return self._name

    @property
    def encoding(self):
        return "utf-8"

    def writable(self):
        return True

    def isatty(self):
        return False

    def start(self):
        self._parts = []

    def stop(self):
        parts, self._parts = self._parts, None
        return "".join(parts) if parts else ""

    def write(self, s):
        if not isinstance(s, str):
            raise TypeError("write() argument must be str, not %s" % type(s).__name__)
        parts = self._parts
        if parts is None:
            self._fallback.write(s)
            self._fallback.flush()
        elif self.record_datetime and s != "\n":
            now = datetime.datetime.now(datetime.timezone.utc).strftime(self.DATETIME_FORMAT)
            parts.append("[%s] %s" % (now, s))
        else:
            parts.append(s)
        return len(s)

    def flush(self):
        if self._parts is None:
            self._fallback.flush()


# --------------------------------------------------------------------------
# The `promptflow` shim, used only when the real package is not importable
# --------------------------------------------------------------------------

_metrics = []  # log_metric calls of the current call


def _record_metric(key, value, variant_id=None):
    # Prompt flow ignores variant_id for a local run's metrics.json; last write wins.
    _metrics.append({"key": key, "value": value})


def _new_module(name, package=False, **attrs):
    m = types.ModuleType(name)
    if package:
        m.__path__ = []
    m.__dict__.update(attrs)
    for key, value in attrs.items():
        if isinstance(value, type) and value.__module__ == __name__:
            value.__module__ = name
    sys.modules[name] = m
    return m


def _install_promptflow_shim():
    """Register a minimal promptflow package covering what flows import."""
    from abc import ABC

    class UserErrorException(Exception):
        def __init__(self, message="", **kwargs):
            super().__init__(message)

    class SystemErrorException(Exception):
        def __init__(self, message="", **kwargs):
            super().__init__(message)

    class ToolType(str, enum.Enum):
        LLM = "llm"
        PYTHON = "python"
        CSHARP = "csharp"
        PROMPT = "prompt"
        _ACTION = "action"
        CUSTOM_LLM = "custom_llm"

    def tool(func=None, *, name=None, description=None, type=None, input_settings=None,
             streaming_option_parameter=None, **kwargs):
        def tool_decorator(func):
            if type is not None and type not in [k.value for k in ToolType]:
                raise UserErrorException("Tool type %s is not supported yet." % type)
            setattr(func, "__tool", None)
            setattr(func, "__name", name)
            setattr(func, "__description", description)
            setattr(func, "__type", type)
            setattr(func, "__input_settings", input_settings)
            setattr(func, "__extra_info", kwargs)
            if streaming_option_parameter and isinstance(streaming_option_parameter, str):
                setattr(func, "_streaming_option_parameter", streaming_option_parameter)
            return func

        if func is not None:
            return tool_decorator(func)
        return tool_decorator

    def _parse_all_args(argnames, args, kwargs):
        all_args = {name: value for name, value in zip(argnames, args)}
        all_args.update(kwargs)
        return all_args

    class ToolProvider(ABC):
        """The base class of tool class."""

        _initialize_inputs = None
        _required_initialize_inputs = None
        _instance_init_params = None

        def __new__(cls, *args, **kwargs):
            cls._instance_init_params = _parse_all_args(cls.get_initialize_inputs().keys(), args, kwargs)
            return super(ToolProvider, cls).__new__(cls)

        def __init__(self):
            self._init_params = self._instance_init_params

        @classmethod
        def get_initialize_inputs(cls):
            if not cls._initialize_inputs:
                cls._initialize_inputs = {
                    k: v for k, v in inspect.signature(cls.__init__).parameters.items() if k != "self"
                }
            return cls._initialize_inputs

        @classmethod
        def get_required_initialize_inputs(cls):
            if not cls._required_initialize_inputs:
                cls._required_initialize_inputs = {
                    k: v
                    for k, v in inspect.signature(cls.__init__).parameters.items()
                    if k != "self" and v.default is inspect.Parameter.empty
                }
            return cls._required_initialize_inputs

    def log_metric(key, value, variant_id=None):
        _record_metric(key, value, variant_id)

    # contracts.types
    class Secret(str):
        def set_secret_name(self, name):
            self.secret_name = name

    class PromptTemplate(str):
        pass

    class FilePath(str):
        pass

    @dataclasses.dataclass
    class AssistantDefinition:
        model: str
        instructions: str
        tools: list

    class AttrDict(dict):
        def __getattr__(self, key):
            if key in self:
                return self[key]
            raise AttributeError("'%s' object has no attribute '%s'" % (self.__class__.__name__, key))

        def __setattr__(self, key, value):
            self[key] = value

    class PFBytes(bytes):
        def __new__(cls, value, *args, **kwargs):
            return super().__new__(cls, value)

        def __init__(self, value, mime_type, source_url=None):
            super().__init__()
            self._mime_type = mime_type
            self._source_url = source_url

        @property
        def source_url(self):
            return self._source_url

    class Image(PFBytes):
        pass

    # Connections, as promptflow/core/_connection.py defines them.
    class _Connection:
        SUPPORTED_TYPES = {}
        TYPE = "_NOT_SET"

        def __init__(self, name=None, module="promptflow.connections", configs=None, secrets=None, **kwargs):
            self.name = name
            self.type = self.TYPE
            self.class_name = "%sConnection" % self.TYPE
            self.configs = configs or {}
            self.module = module
            self.secrets = secrets or {}
            self._secrets = dict(self.secrets)
            self.expiry_time = kwargs.get("expiry_time", None)
            self.created_date = kwargs.get("created_date", None)
            self.last_modified_date = kwargs.get("last_modified_date", None)

        def keys(self):
            return list(self.configs.keys()) + list(self.secrets.keys())

        def __getitem__(self, item):
            if item in self.secrets:
                return self.secrets[item]
            if item in self.configs:
                return self.configs[item]
            raise KeyError("Key %r not found in connection %r." % (item, self.name))

        def __repr__(self):
            return "%s(name=%r)" % (self.__class__.__name__, self.name)

    class _StrongTypeConnection(_Connection):
        @property
        def _has_api_key(self):
            return True

        @property
        def api_key(self):
            return self.secrets.get("api_key", "******") if self._has_api_key else None

        @api_key.setter
        def api_key(self, value):
            self.secrets["api_key"] = value

    def _config_property(key, default=None):
        def getter(self):
            return self.configs.get(key, default) if default is not None else self.configs.get(key)

        def setter(self, value):
            self.configs[key] = value

        return property(getter, setter)

    class AzureOpenAIConnection(_StrongTypeConnection):
        TYPE = "AzureOpenAI"

        def __init__(self, api_base, api_key=None, api_type="azure", api_version="2024-02-01",
                     auth_mode="key", **kwargs):
            configs = {"api_base": api_base, "api_type": api_type, "api_version": api_version, "auth_mode": auth_mode}
            secrets = {"api_key": api_key} if auth_mode == "key" else {}
            self._token_provider = kwargs.get("token_provider")
            super().__init__(configs=configs, secrets=secrets, **kwargs)

        api_base = _config_property("api_base")
        api_type = _config_property("api_type")
        api_version = _config_property("api_version")
        auth_mode = _config_property("auth_mode", "key")

        @property
        def _has_api_key(self):
            return self.auth_mode == "key"

    class OpenAIConnection(_StrongTypeConnection):
        TYPE = "OpenAI"

        def __init__(self, api_key, organization=None, base_url=None, **kwargs):
            if base_url in ["", "_"]:
                base_url = None
            configs = {"organization": organization, "base_url": base_url}
            secrets = {"api_key": api_key}
            super().__init__(configs=configs, secrets=secrets, **kwargs)

        organization = _config_property("organization")
        base_url = _config_property("base_url")

    class ServerlessConnection(_StrongTypeConnection):
        TYPE = "Serverless"

        def __init__(self, api_key, api_base, **kwargs):
            super().__init__(secrets={"api_key": api_key}, configs={"api_base": api_base}, **kwargs)

        api_base = _config_property("api_base")

    class SerpConnection(_StrongTypeConnection):
        TYPE = "Serp"

        def __init__(self, api_key, **kwargs):
            super().__init__(secrets={"api_key": api_key}, **kwargs)

    class _EmbeddingStoreConnection(_StrongTypeConnection):
        def __init__(self, api_key, api_base, **kwargs):
            super().__init__(module="promptflow_vectordb.connections", configs={"api_base": api_base},
                             secrets={"api_key": api_key}, **kwargs)

        api_base = _config_property("api_base")

    class QdrantConnection(_EmbeddingStoreConnection):
        TYPE = "Qdrant"

    class WeaviateConnection(_EmbeddingStoreConnection):
        TYPE = "Weaviate"

    class CognitiveSearchConnection(_StrongTypeConnection):
        TYPE = "CognitiveSearch"

        def __init__(self, api_key, api_base, api_version="2023-11-01", **kwargs):
            super().__init__(configs={"api_base": api_base, "api_version": api_version},
                             secrets={"api_key": api_key}, **kwargs)

        api_base = _config_property("api_base")
        api_version = _config_property("api_version")

    class AzureContentSafetyConnection(_StrongTypeConnection):
        TYPE = "AzureContentSafety"

        def __init__(self, api_key, endpoint, api_version="2023-10-01", api_type="Content Safety", **kwargs):
            configs = {"endpoint": endpoint, "api_version": api_version, "api_type": api_type}
            super().__init__(configs=configs, secrets={"api_key": api_key}, **kwargs)

        endpoint = _config_property("endpoint")
        api_version = _config_property("api_version")
        api_type = _config_property("api_type")

    class FormRecognizerConnection(AzureContentSafetyConnection):
        TYPE = "FormRecognizer"

        def __init__(self, api_key, endpoint, api_version="2023-07-31", api_type="Form Recognizer", **kwargs):
            super().__init__(api_key=api_key, endpoint=endpoint, api_version=api_version, api_type=api_type, **kwargs)

    class AzureAIServicesConnection(_StrongTypeConnection):
        TYPE = "AzureAIServices"

        def __init__(self, api_key=None, endpoint=None, auth_mode="key", **kwargs):
            configs = {"endpoint": endpoint, "auth_mode": auth_mode}
            secrets = {"api_key": api_key} if auth_mode == "key" else {}
            super().__init__(configs=configs, secrets=secrets, **kwargs)

        endpoint = _config_property("endpoint")
        auth_mode = _config_property("auth_mode", "key")

        @property
        def _has_api_key(self):
            return self.auth_mode == "key"

    class CustomStrongTypeConnection(_Connection):
        def __init__(self, secrets, configs=None, **kwargs):
            self.kwargs = kwargs
            super().__init__(configs=configs, secrets=secrets, **kwargs)
            self.module = kwargs.get("module", self.__class__.__module__)
            self.custom_type = self.__class__.__name__

        def __getattribute__(self, item):
            annotations = getattr(super().__getattribute__("__class__"), "__annotations__", {})
            if item in annotations:
                if annotations[item] == Secret:
                    return self.secrets[item]
                return self.configs[item]
            return super().__getattribute__(item)

        def __setattr__(self, key, value):
            annotations = getattr(super().__getattribute__("__class__"), "__annotations__", {})
            if key in annotations:
                if annotations[key] == Secret:
                    self.secrets[key] = value
                else:
                    self.configs[key] = value
            return super().__setattr__(key, value)

    class CustomConnection(_Connection):
        TYPE = "Custom"

        def __init__(self, secrets, configs=None, **kwargs):
            super().__init__(secrets=secrets, configs=configs, **kwargs)

        def __getattr__(self, item):
            if item == "secrets":
                return super().__getattribute__("secrets")
            if item == "configs":
                return super().__getattribute__("configs")
            if item in self.secrets:
                return self.secrets[item]
            if item in self.configs:
                return self.configs[item]
            return super().__getattribute__(item)

        def is_secret(self, item):
            return item in self.secrets

    @dataclasses.dataclass
    class BingConnection:
        api_key: Secret
        url: str = "https://api.bing.microsoft.com/v7.0/search"

    @dataclasses.dataclass
    class AzureOpenAIModelConfiguration:
        azure_deployment: str
        azure_endpoint: str = None
        api_version: str = None
        api_key: str = None
        connection: str = None

    @dataclasses.dataclass
    class OpenAIModelConfiguration:
        model: str
        base_url: str = None
        api_key: str = None
        organization: str = None
        connection: str = None

    class ModelConfiguration:
        pass

    connection_classes = {
        c.__name__: c
        for c in (AzureOpenAIConnection, OpenAIConnection, ServerlessConnection, SerpConnection, QdrantConnection,
                  WeaviateConnection, CognitiveSearchConnection, AzureContentSafetyConnection,
                  FormRecognizerConnection, AzureAIServicesConnection, CustomConnection)
    }
    _Connection.SUPPORTED_TYPES = {c.TYPE: c for c in connection_classes.values()}
    public_connections = dict(connection_classes, CustomStrongTypeConnection=CustomStrongTypeConnection)

    def trace(func=None, **kwargs):
        return func if func is not None else (lambda f: f)

    def _no_op(*args, **kwargs):
        return None

    def _register(provider_cls):
        return provider_cls

    # Registration order decides each class's __module__ (its first module), as in promptflow.
    core = dict(tool=tool, log_metric=log_metric, log_flow_metric=log_metric, ToolProvider=ToolProvider)
    _new_module("promptflow", package=True, __version__="0.0.0+llmops-shim", __llmops_shim__=True)
    _new_module("promptflow._core", package=True)
    _new_module("promptflow._core.tool", tool=tool, ToolProvider=ToolProvider, ToolType=ToolType)
    _new_module("promptflow._core.metric_logger", log_metric=log_metric, add_metric_logger=_no_op,
                remove_metric_logger=_no_op)
    _new_module("promptflow._core.tools_manager", register_apis=_register, register_builtins=_register,
                register_connections=_no_op)
    _new_module("promptflow.exceptions", UserErrorException=UserErrorException,
                SystemErrorException=SystemErrorException, PromptflowException=Exception)
    _new_module("promptflow.contracts", package=True)
    _new_module("promptflow.contracts.types", Secret=Secret, PromptTemplate=PromptTemplate, FilePath=FilePath,
                AssistantDefinition=AssistantDefinition, AttrDict=AttrDict)
    _new_module("promptflow.contracts.multimedia", PFBytes=PFBytes, Image=Image)
    _new_module("promptflow.core", package=True)
    _new_module("promptflow.core._connection", _Connection=_Connection,
                _StrongTypeConnection=_StrongTypeConnection, **public_connections)
    _new_module("promptflow.core._model_configuration", AzureOpenAIModelConfiguration=AzureOpenAIModelConfiguration,
                OpenAIModelConfiguration=OpenAIModelConfiguration, ModelConfiguration=ModelConfiguration)
    _new_module("promptflow.connections", BingConnection=BingConnection, _Connection=_Connection,
                **public_connections)
    _new_module("promptflow.entities", **public_connections)
    _new_module("promptflow._internal", tool=tool, ToolProvider=ToolProvider, log_metric=log_metric,
                register_apis=_register, register_builtins=_register, register_connections=_no_op)
    _new_module("promptflow.tracing", package=True, trace=trace, start_trace=_no_op)
    sys.modules["promptflow"].__dict__.update(core)
    sys.modules["promptflow.core"].__dict__.update(dict(
        core, AzureOpenAIModelConfiguration=AzureOpenAIModelConfiguration,
        OpenAIModelConfiguration=OpenAIModelConfiguration, ModelConfiguration=ModelConfiguration,
        **public_connections))
    # Submodules are attributes of their parents, as after a real import.
    for name in sorted(n for n in sys.modules if n.startswith("promptflow.")):
        parent, _, child = name.rpartition(".")
        setattr(sys.modules[parent], child, sys.modules[name])


def _setup_promptflow():
    """Use the real promptflow when installed, else the shim. Returns the version in use."""
    if os.environ.get("LLMOPS_PROMPTFLOW_SHIM") != "1":
        try:
            if importlib.util.find_spec("promptflow.core") is not None:
                from promptflow._core.metric_logger import add_metric_logger

                add_metric_logger(_record_metric)
                import promptflow.core as pf_core

                return getattr(pf_core, "__version__", "unknown")
        except Exception:
            pass
    for name in [n for n in sys.modules if n == "promptflow" or n.startswith("promptflow.")]:
        del sys.modules[name]
    _install_promptflow_shim()
    return "shim"


def _pf(module, attr, default=None):
    m = sys.modules.get(module)
    return getattr(m, attr, default) if m is not None else default


# --------------------------------------------------------------------------
# Errors that travel back to the pool
# --------------------------------------------------------------------------

class WorkerError(Exception):
    """An error with a kind the pool maps to its own error (load, init, input, serialize)."""

    def __init__(self, kind, message, exc=None):
        super().__init__(message)
        self.kind = kind
        self.exc = exc


def _user_traceback(exc):
    """The traceback without the worker's and importlib's frames, as Prompt flow strips its own."""
    tb = exc.__traceback__
    while tb is not None and (
        os.path.abspath(tb.tb_frame.f_code.co_filename) == WORKER_FILE
        or tb.tb_frame.f_code.co_filename.startswith("<frozen importlib")
    ):
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb))


def _error_payload(exc):
    if isinstance(exc, WorkerError):
        inner = exc.exc
        return {
            "kind": exc.kind,
            "type": type(inner).__name__ if inner is not None else "WorkerError",
            "message": str(exc),
            "traceback": _user_traceback(inner) if inner is not None else "",
        }
    return {"kind": "tool", "type": type(exc).__name__, "message": str(exc), "traceback": _user_traceback(exc)}


# --------------------------------------------------------------------------
# Tool loading (Prompt flow's tool_meta_generator / tools_manager rules)
# --------------------------------------------------------------------------

def _is_tool(f):
    return isinstance(f, types.FunctionType) and hasattr(f, "__tool")


def _collect_tool(m):
    """Exactly one @tool function, or one @tool method of a ToolProvider class, defined in the module."""
    tool_functions = []
    for _, obj in inspect.getmembers(m):
        if _is_tool(obj) and getattr(obj, "__module__", "") == m.__name__:
            tool_functions.append(obj)
    tool_methods = []
    provider = _pf("promptflow._core.tool", "ToolProvider")
    if provider is not None:
        for _, obj in inspect.getmembers(m):
            if isinstance(obj, type) and issubclass(obj, provider) and obj.__module__ == m.__name__:
                for _, method in inspect.getmembers(obj):
                    if _is_tool(method):
                        tool_methods.append((method, obj))
    count = len(tool_functions) + len(tool_methods)
    if count == 0:
        raise WorkerError("load", "No tool found in the python script. "
                                  "Please make sure you have one and only one tool definition in your script.")
    if count > 1:
        names = ", ".join([f.__name__ for f in tool_functions] + [f.__name__ for f, _ in tool_methods])
        raise WorkerError("load", "Expected 1 but collected %d tools: %s. "
                                  "Please make sure you have one and only one tool definition in your script."
                          % (count, names))
    if tool_functions:
        return tool_functions[0], None
    return tool_methods[0]


def _original(f):
    f = getattr(f, "__original_function", f)
    return inspect.unwrap(f)


def _resolve_annotation(anno):
    """Optional[T] is T; a wider Union is the list of its members (promptflow's resolve_annotation)."""
    if typing.get_origin(anno) is not typing.Union:
        return anno
    args = [a for a in typing.get_args(anno) if a is not type(None)]  # noqa: E721
    return args[0] if len(args) == 1 else args


_PF_CONTRACT_TYPES = (
    ("promptflow.contracts.types", "Secret"),
    ("promptflow.contracts.types", "PromptTemplate"),
    ("promptflow.contracts.types", "FilePath"),
    ("promptflow.contracts.types", "AssistantDefinition"),
    ("promptflow.contracts.multimedia", "Image"),
)
_BUILTIN_TYPES = (int, float, bool, str, list, dict)


def _connection_base():
    return _pf("promptflow.core._connection", "_Connection")


def _is_connection_class(t):
    if not isinstance(t, type):
        return False
    base = _connection_base()
    if base is not None and issubclass(t, base):
        return True
    return t.__name__ == "BingConnection" and t.__module__.startswith("promptflow.")


def _is_custom_strong_type(t):
    strong = _pf("promptflow.connections", "CustomStrongTypeConnection")
    return isinstance(t, type) and strong is not None and issubclass(t, strong) and t is not strong


def _type_name(t):
    """A name that says which promptflow value type `t` maps to (see pythonParamValueType)."""
    if t is inspect.Parameter.empty:
        return None
    if isinstance(t, list):
        return " | ".join(_type_name(x) for x in t)
    if isinstance(t, str):
        return t
    if typing.get_origin(t) is not None:
        return repr(t)
    if t in _BUILTIN_TYPES:
        return t.__name__
    for module, attr in _PF_CONTRACT_TYPES:
        if t is _pf(module, attr):
            return attr
    if _is_connection_class(t) and not _is_custom_strong_type(t):
        return t.__name__
    if isinstance(t, type):
        return "%s.%s" % (t.__module__, t.__qualname__)
    return repr(t)


def _param_meta(p):
    anno = _resolve_annotation(p.annotation)
    meta = {"name": p.name, "annotation": _type_name(anno), "hasDefault": p.default is not inspect.Parameter.empty}
    if isinstance(p.annotation, str):
        meta["stringAnnotation"] = True
    effective = anno
    if meta["hasDefault"]:
        meta["default"] = _jsonable(p.default)
        if anno is inspect.Parameter.empty:
            # promptflow takes an unannotated parameter's type from its default.
            effective = p.default.__class__ if isinstance(p.default, enum.Enum) else type(p.default)
            meta["inferredType"] = _type_name(effective)
    if isinstance(effective, enum.EnumMeta):
        meta["enum"] = [str(option.value) for option in effective]
        meta["inferredType" if anno is inspect.Parameter.empty else "annotation"] = "str"
    members = effective if isinstance(effective, list) else [effective]
    if members and all(_is_connection_class(t) for t in members):
        meta["connection"] = [("CustomConnection" if _is_custom_strong_type(t) else t.__name__) for t in members]
        custom = [t.__name__ for t in members if _is_custom_strong_type(t)]
        if custom:
            meta["customType"] = custom
    return meta


def _signature_params(f):
    sig = inspect.signature(f)
    return [
        p for name, p in sig.parameters.items()
        if name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
    ], any(p.kind == p.VAR_KEYWORD for p in sig.parameters.values())


class LoadedTool:
    def __init__(self, path, func, cls):
        self.path = path
        self.func = func
        self.cls = cls
        self.original = _original(func)
        self.is_async = inspect.iscoroutinefunction(self.original) or inspect.isasyncgenfunction(self.original)
        self.is_generator = inspect.isgeneratorfunction(self.original) or inspect.isasyncgenfunction(self.original)
        params, self.enable_kwargs = _signature_params(self.original)
        self.params = {p.name: p for p in params}
        self.init_params = {}
        if cls is not None:
            self.init_params = {k: v for k, v in cls.get_initialize_inputs().items()}
            duplicate = [k for k in self.init_params if k in self.params]
            if duplicate:
                raise WorkerError("load", "Duplicate inputs found from %r and \"__init__()\"!" % self.original.__name__)
        self.instances = {}

    @property
    def name(self):
        return getattr(self.func, "__name", None) or self.original.__qualname__

    def meta(self):
        return {
            "function": self.original.__name__,
            "name": self.name,
            "className": self.cls.__name__ if self.cls is not None else None,
            "description": getattr(self.func, "__description", None) or inspect.getdoc(self.original),
            "isAsync": self.is_async,
            "isGenerator": self.is_generator,
            "enableKwargs": self.enable_kwargs,
            "parameters": [_param_meta(p) for p in self.params.values()],
            "initParameters": [_param_meta(p) for p in self.init_params.values()],
        }


_tools = {}  # resolved file path -> LoadedTool


def _load_tool(file):
    path = os.path.abspath(file)
    loaded = _tools.get(path)
    if loaded is not None:
        return loaded
    if not os.path.isfile(path):
        raise WorkerError("missing", "Tool file '%s' can not be found." % file)
    spec = importlib.util.spec_from_file_location(PF_MAIN_MODULE_NAME, location=path)
    if spec is None or spec.loader is None:
        raise WorkerError("load", "Failed to load python file '%s'. Please make sure it is a valid .py file." % file)
    m = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(m)
    except Exception as e:
        raise WorkerError("load", "Failed to load python module from file '%s': (%s) %s"
                          % (file, e.__class__.__name__, e), e)
    func, cls = _collect_tool(m)
    try:
        loaded = LoadedTool(path, func, cls)
    except WorkerError:
        raise
    except Exception as e:
        raise WorkerError("load", "Parse interface for tool '%s' failed: (%s) %s"
                          % (func.__name__, e.__class__.__name__, e), e)
    _tools[path] = loaded
    return loaded


def _bound_tool(loaded, node, init_args):
    """The callable for a node: the function, or the @tool method of a per-node class instance."""
    if loaded.cls is None:
        return loaded.func
    init_args = init_args or {}
    key = (node, json.dumps(init_args, sort_keys=True, default=str))
    api = loaded.instances.get(key)
    if api is not None:
        return api
    values = {k: v for k, v in init_args.items() if k in loaded.init_params}
    missing = [k for k in loaded.cls.get_required_initialize_inputs() if k not in values]
    if missing:
        raise WorkerError("init", "Required inputs %s are not provided for tool '%s'." % (missing, loaded.name))
    try:
        instance = loaded.cls(**values)
        api = getattr(instance, loaded.original.__name__)
    except Exception as e:
        raise WorkerError("init", "Failed to load package tool '%s': (%s) %s"
                          % (loaded.name, e.__class__.__name__, e), e)
    loaded.instances[key] = api
    return api


# --------------------------------------------------------------------------
# Connections
# --------------------------------------------------------------------------

def _make_connection(data, target=None):
    """A connection object from the pool's Connection JSON ({name, type, className, configs, secrets})."""
    name = data.get("name")
    configs = dict(data.get("configs") or {})
    secrets = dict(data.get("secrets") or {})
    class_name = data.get("className") or ""
    module = sys.modules.get("promptflow.connections")
    if module is None:
        import promptflow.connections as module  # noqa: F811 (real promptflow)
    if target is not None and _is_custom_strong_type(target):
        return target(name=name, configs=configs, secrets=secrets)
    cls = getattr(module, class_name, None)
    if cls is None and class_name:
        cls = getattr(sys.modules.get("promptflow.core._connection"), class_name, None)
    if cls is None or class_name == "CustomConnection":
        cls = getattr(module, "CustomConnection")
        return cls(name=name, configs=configs, secrets=secrets)
    value = {k: v for k, v in dict(configs, **secrets).items() if v is not None}
    return cls(name=name, **value)


def _connection_kwargs(loaded, kwargs, connections, explicit):
    """Replace connection names by connection objects where the parameter is connection-typed."""
    if not connections:
        return kwargs
    by_name = {c.get("name"): c for c in connections}
    out = dict(kwargs)
    for key, value in kwargs.items():
        if not isinstance(value, str) or value not in by_name:
            continue
        param = loaded.params.get(key) or loaded.init_params.get(key)
        target = _resolve_annotation(param.annotation) if param is not None else None
        members = target if isinstance(target, list) else [target]
        typed = bool(members) and all(_is_connection_class(t) for t in members)
        if typed or key in explicit:
            single = members[0] if typed and len(members) == 1 else None
            out[key] = _make_connection(by_name[value], single)
    return out


# --------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------

def _json_default(o):
    if isinstance(o, (set, frozenset)):
        return list(o)
    if isinstance(o, enum.Enum):
        return o.value
    if dataclasses.is_dataclass(o) and not isinstance(o, type):
        return dataclasses.asdict(o)
    if hasattr(o, "model_dump") and callable(o.model_dump):
        return o.model_dump()
    if hasattr(o, "tolist") and callable(o.tolist):  # numpy scalars and arrays
        return o.tolist()
    if isinstance(o, (datetime.datetime, datetime.date, datetime.time)):
        return o.isoformat()
    if isinstance(o, (bytes, bytearray)):
        return o.decode("utf-8", "replace")
    return str(o)


def _jsonable(value):
    try:
        return json.loads(json.dumps(value, default=_json_default))
    except Exception:
        return str(value)


_loop = None


def _run(coro):
    global _loop
    if _loop is None:
        _loop = asyncio.new_event_loop()
        asyncio.set_event_loop(_loop)
    return _loop.run_until_complete(coro)


async def _join_async_gen(agen):
    parts = []
    async for item in agen:
        parts.append(str(item))
    return "".join(parts)


def _invoke(api, kwargs):
    result = api(**kwargs)
    if inspect.isawaitable(result):
        result = _run(result)
    if inspect.isasyncgen(result):
        return _run(_join_async_gen(result))
    if inspect.isgenerator(result):
        # Batch runs do not stream: Prompt flow joins a generator output as "".join(str(x) ...).
        return "".join(str(x) for x in result)
    return result


# --------------------------------------------------------------------------
# The request loop
# --------------------------------------------------------------------------

class Worker:
    def __init__(self, proto_in, proto_out, stdout, stderr, pf_version):
        self.proto_in = proto_in
        self.proto_out = proto_out
        self.stdout = stdout
        self.stderr = stderr
        self.pf_version = pf_version
        self.last_metrics = []

    def send(self, reply):
        try:
            data = json.dumps(reply, default=_json_default)
        except Exception as e:
            value_error = {"kind": "serialize", "type": type(e).__name__,
                           "message": "The output is not JSON serializable: (%s) %s" % (type(e).__name__, e),
                           "traceback": ""}
            reply = dict(reply, ok=False, error=value_error)
            reply.pop("value", None)
            data = json.dumps(reply, default=str)
        self.proto_out.write(data.encode("utf-8") + b"\n")
        self.proto_out.flush()

    def handle(self, request):
        op = request.get("op")
        if op == "call":
            return self.call(request)
        if op == "load":
            return {"id": request.get("id"), "ok": True, "value": _load_tool(request["file"]).meta()}
        if op == "metrics":
            metrics, self.last_metrics = self.last_metrics, []
            return {"id": request.get("id"), "ok": True, "value": metrics}
        if op == "ping":
            return {"id": request.get("id"), "ok": True, "value": self.hello()}
        raise WorkerError("protocol", "Unknown request op %r." % op)

    def hello(self):
        return {"python": "%d.%d.%d" % sys.version_info[:3], "promptflow": self.pf_version, "pid": os.getpid()}

    def call(self, request):
        loaded = _load_tool(request["file"])
        api = _bound_tool(loaded, request.get("node"), request.get("init"))
        # A class tool's __init__ inputs are bound once per node, not passed to each call.
        kwargs = {k: v for k, v in (request.get("kwargs") or {}).items() if k not in loaded.init_params}
        kwargs = _connection_kwargs(loaded, kwargs, request.get("connections"), request.get("connectionInputs") or ())
        del _metrics[:]
        self.stdout.start()
        self.stderr.start()
        reply = {"id": request.get("id")}
        try:
            reply["value"] = _invoke(api, kwargs)
            reply["ok"] = True
        except (Exception, SystemExit) as e:
            reply["ok"] = False
            reply["error"] = _error_payload(e)
        finally:
            reply["stdout"] = self.stdout.stop()
            reply["stderr"] = self.stderr.stop()
            self.last_metrics = [dict(m, value=_jsonable(m["value"])) for m in _metrics]
            reply["metrics"] = self.last_metrics
            del _metrics[:]
        return reply

    def serve(self):
        self.send({"id": 0, "ok": True, "value": self.hello()})
        while True:
            line = self.proto_in.readline()
            if not line:
                return
            if not line.strip():
                continue
            request = {}
            try:
                request = json.loads(line)
                reply = self.handle(request)
            except Exception as e:
                reply = {"id": request.get("id") if isinstance(request, dict) else None, "ok": False,
                         "error": _error_payload(e if isinstance(e, WorkerError) else WorkerError(
                             "protocol", "(%s) %s" % (type(e).__name__, e), e))}
            self.send(reply)


def main():
    flow_dir = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.getcwd()
    # Private protocol channels; fd 1 now reaches stderr and fd 0 reads nothing.
    proto_in = os.fdopen(os.dup(0), "rb")
    proto_out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    null_fd = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null_fd, 0)
    os.close(null_fd)
    sys.stdin = open(os.devnull, "r")
    real_stderr = sys.__stderr__
    stdout = _NodeLogWriter(real_stderr, "<stdout>")
    stderr = _NodeLogWriter(real_stderr, "<stderr>")
    if os.environ.get("LLMOPS_PY_LOG_DATETIME") == "0":
        stdout.record_datetime = stderr.record_datetime = False
    sys.stdout = stdout
    sys.stderr = stderr

    # Prompt flow runs a flow with the flow dir as working dir and first on sys.path.
    os.chdir(flow_dir)
    worker_dir = os.path.dirname(WORKER_FILE)
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != worker_dir]
    sys.path.insert(0, flow_dir)

    pf_version = _setup_promptflow()
    Worker(proto_in, proto_out, stdout, stderr, pf_version).serve()


if __name__ == "__main__":
    main()
