"""The ONNX backends: the bundled model exported once with torch, optionally quantised to int8, run by onnxruntime.

sentence-transformers' own ``backend="onnx"`` needs optimum, whose only release pins
transformers below the version sentence-transformers 6 requires, so the export is done here:
``torch.onnx.export`` of the Hugging Face transformer with sentence-transformers' mean pooling
and L2 normalisation inside the graph, then ``onnxruntime.quantization.quantize_dynamic`` for
int8. The files live in a cache folder keyed by model, backend, quantisation format and
onnxruntime version, are written under a file lock (two processes never export at once) and
are checked when loaded: a missing or damaged file is exported again.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
from filelock import FileLock
from tokenizers import Tokenizer

from assistant.embeddings import cpu_flags, int8_format

log = logging.getLogger(__name__)

INPUTS = ("input_ids", "attention_mask", "token_type_ids")
MARKER = "export.json"
STATIC_LENGTHS = (32, 64, 128)
"""Word-piece lengths OpenVINO compiles a one-text model for (a question is padded to the next one; see :meth:`OpenVinoRunner.infer`)."""


class ExportFailed(RuntimeError):
    """The ONNX file could not be made or loaded (unwritable cache, export error); the caller falls back to torch."""


def cache_folder(cache_dir: Path, model: str, backend: str) -> Path:
    """Where one export lives: ``<cache>/onnx/<model>/<backend>-<int8 format or "fused">-ort<version>``.

    The fp32 export's folder names its recipe ("fused"): an export made before the recipe was
    fused is left alone and the fused one made beside it (the same vectors, so no index changes).
    """
    variant = f"{backend}-{int8_format()}" if backend == "onnx-int8" else f"{backend}-fused"
    return Path(cache_dir) / "onnx" / model / f"{variant}-ort{ort.__version__}"


class OnnxRunner:
    """An exported model in onnxruntime sessions, with the ``tokenizers`` tokenizer of the model folder.

    onnxruntime fixes a session's thread count when the session is made, so there is one
    session per thread count asked for (one for questions, one for passages), made on first
    use; each holds the weights once (22 MB int8, 90 MB fp32).

    Args:
        path: The ``.onnx`` file.
        model_dir: The model folder (for ``tokenizer.json``).
        backend: ``onnx`` or ``onnx-int8``.
        max_seq_length: Word pieces per text, [CLS] and [SEP] included (longer texts are cut, as sentence-transformers does).
    """

    engine = "onnxruntime"

    def __init__(self, path: Path, model_dir: Path, backend: str, max_seq_length: int) -> None:
        self.path = path
        self.backend = backend
        self.space = f"int8-{int8_format()}" if backend == "onnx-int8" else "fp32"
        tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        # The bundled tokenizer.json pads and cuts to a fixed 128: pad to the longest text of a
        # batch instead, and cut at the encoder's window like sentence-transformers.
        tokenizer.enable_truncation(max_seq_length)
        pad = tokenizer.token_to_id("[PAD]") or 0
        tokenizer.enable_padding(pad_id=pad, pad_token=tokenizer.id_to_token(pad) or "[PAD]")
        self.pad_id = pad
        self.tokenizer = tokenizer
        self._sessions: dict[int, ort.InferenceSession] = {}
        self.dimension = int(self.run(["a"], 1).shape[1])  # also proves the file loads and runs

    def session(self, threads: int) -> ort.InferenceSession:
        """The session using ``threads`` intra-op threads (0: onnxruntime's default, one per core)."""
        session = self._sessions.get(threads)
        if session is None:
            options = ort.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
            # Idle pool threads sleep instead of spinning: during an ingest the chunker shares the cores.
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            options.log_severity_level = 3
            # CPU named explicitly: onnxruntime lists AzureExecutionProvider first.
            session = self._sessions[threads] = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        return session

    def run(self, texts: list[str], threads: int | None) -> np.ndarray:
        """Unit-length float32 rows for ``texts`` (pooling and normalisation happen inside the graph)."""
        encodings = self.tokenizer.encode_batch(texts)
        feeds = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        return self.infer(feeds, threads or 0).astype(np.float32, copy=False)

    def infer(self, feeds: dict[str, np.ndarray], threads: int) -> np.ndarray:
        """The graph's output for tokenised ``feeds``."""
        return self.session(threads).run(None, feeds)[0]


class OpenVinoRunner(OnnxRunner):
    """The same export compiled by OpenVINO's CPU plugin, in bf16 where the CPU computes it natively.

    Measured on a 2-core Xeon with AMX, the fused fp32 export, passages of ~900 characters in
    batches of 64: 130 a second against onnxruntime's 30, a question alone 2.5 ms against 3.0,
    vectors at a cosine of 0.99997 or more to fp32 (SciFact test dense nDCG@10 0.6476 against
    0.6484). Without native bf16, OpenVINO's fp32 gains nothing on onnxruntime's, so ``auto``
    keeps onnxruntime there (:func:`engine_for`). One compiled model per thread count, like the
    sessions; calls come one at a time (the encoder lock), so each keeps one infer request.
    """

    def __init__(self, path: Path, model_dir: Path, backend: str, max_seq_length: int, precision: str) -> None:
        openvino = import_openvino()

        self.precision = precision
        self.engine = f"openvino-{precision}"
        self._core = openvino.Core()
        self._model = self._core.read_model(str(path))
        self._requests: dict[tuple[int, int | None], object] = {}
        super().__init__(path, model_dir, backend, max_seq_length)

    def infer(self, feeds: dict[str, np.ndarray], threads: int) -> np.ndarray:
        """One text of up to 128 word pieces runs in a model compiled for a fixed length (a question); the rest with any shape.

        OpenVINO runs a shape it was compiled for faster than a dynamic one: a question of ~20
        word pieces, padded to 32 (the padding masked, as in any batch), took 2.1 ms at p50 against
        3.2 ms on this session's Xeon, with vectors at a cosine of 0.99998 or more to the unpadded.
        """
        rows, length = feeds["input_ids"].shape
        size = next((n for n in STATIC_LENGTHS if n >= length), None) if rows == 1 else None
        if size is not None:
            feeds = {k: np.pad(v, ((0, 0), (0, size - length)), constant_values=self.pad_id if k == "input_ids" else 0) for k, v in feeds.items()}
        return self._request(threads, size).infer(feeds)[0]

    def _request(self, threads: int, size: int | None):
        """The infer request of the model compiled for ``threads`` and one text of ``size`` word pieces (``None``: any shape)."""
        request = self._requests.get((threads, size))
        if request is None:
            model = self._model
            if size is not None:
                model = model.clone()
                model.reshape({i.any_name: [1, size] for i in model.inputs})
            config = {"INFERENCE_PRECISION_HINT": self.precision, "INFERENCE_NUM_THREADS": threads, "PERFORMANCE_HINT": "LATENCY"}
            request = self._requests[(threads, size)] = self._core.compile_model(model, "CPU", config).create_infer_request()
        return request


def import_openvino():
    """``import openvino`` without the usage report its import sends.

    Importing openvino imports its model converter, which reports usage to Google Analytics from a
    forked process (openvino-telemetry, asked with ``enable_opt_in_dialog=False``, so a missing
    consent file counts as consent) unless it runs in CI. Without a network the forked child hung in
    its address lookup, or deadlocked on a loader lock another thread held at the fork, and the
    ``ask`` process then waited for it at exit, for ever. The converter reads ``CI=true`` as
    "declined", so the import runs with it set: no report, no process, nothing written to the user's
    home; the variable is put back as it was.
    """
    if "openvino" in sys.modules:
        return sys.modules["openvino"]
    saved = os.environ.get("CI")
    os.environ["CI"] = "true"
    try:
        import openvino
    finally:
        if saved is None:
            os.environ.pop("CI", None)
        else:
            os.environ["CI"] = saved
    return openvino


def native_bf16() -> bool:
    """True when the CPU computes bf16 itself (AMX or AVX-512 BF16), where OpenVINO's bf16 is fast."""
    return bool(cpu_flags() & {"amx_bf16", "avx512_bf16"})


def engine_for(setting: str) -> tuple[str, str]:
    """``(engine, precision)`` for the ``embedding.engine`` setting on this machine.

    ``auto`` picks OpenVINO in bf16 on a CPU with native bf16 when OpenVINO is installed, and
    onnxruntime anywhere else; ``openvino`` asked for by name runs fp32 on a CPU without bf16.
    """
    if setting == "onnxruntime" or (setting == "auto" and not native_bf16()):
        return "onnxruntime", "fp32"
    try:
        import_openvino()
    except ImportError:
        if setting == "openvino":
            log.warning("embedding engine openvino is not installed (pip install openvino); using onnxruntime")
        return "onnxruntime", "fp32"
    return "openvino", "bf16" if native_bf16() else "f32"


def load(model_dir: Path, backend: str, cache_dir: Path, max_seq_length: int, model: str, engine: str = "onnxruntime") -> OnnxRunner:
    """An :class:`OnnxRunner` for ``backend``, exporting the model into the cache first if needed.

    ``engine`` (``embedding.engine``) may hand the fp32 export to OpenVINO (:func:`engine_for`);
    int8 always runs in onnxruntime, whose quantised kernels it was made for.

    A cached export is used as it is when its marker matches the file and the file loads. A
    missing or damaged one (a killed export, a truncated copy) is exported again under the
    folder's file lock; a second process waiting on that lock then finds the finished file.

    Raises:
        ExportFailed: The export could not be written or loaded (the message says why).
    """
    folder = cache_folder(cache_dir, model, backend)
    path = folder / "model.onnx"
    runner = _runner_class(backend, engine)
    if _intact(folder):
        try:
            return runner(path, model_dir, backend, max_seq_length)
        except Exception:  # noqa: BLE001 - a damaged file: export it again below
            pass
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with FileLock(folder / ".lock", timeout=600):
            if not _intact(folder) or not _loads(path):
                export(model_dir, backend, folder)
        return runner(path, model_dir, backend, max_seq_length)
    except ExportFailed:
        raise
    except ModuleNotFoundError as exc:  # onnx writes the export; a cached one runs without it
        raise ExportFailed(f"{exc.name} is not installed: pip install 'collab-innovation-assistant[onnx]'") from exc
    except Exception as exc:  # noqa: BLE001 - every way an export can fail ends in the torch fallback
        raise ExportFailed(_summary(exc)) from exc


def _runner_class(backend: str, engine: str):
    """What runs the export: :class:`OnnxRunner`, or :class:`OpenVinoRunner` with its precision bound."""
    chosen, precision = engine_for(engine) if backend == "onnx" else ("onnxruntime", "fp32")
    if chosen == "onnxruntime":
        return OnnxRunner

    def openvino_or_onnxruntime(*args) -> OnnxRunner:
        try:
            return OpenVinoRunner(*args, precision=precision)
        except Exception as exc:  # noqa: BLE001 - OpenVINO refusing the graph or the CPU is no reason to export again
            log.warning("embedding engine openvino failed (%s); using onnxruntime", _summary(exc))
            return OnnxRunner(*args)

    return openvino_or_onnxruntime


def _summary(exc: BaseException) -> str:
    """An error in one line: its type and the first line of its message ("RuntimeError: Unsupported operation")."""
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".rstrip(": ")


def _intact(folder: Path) -> bool:
    """True when the marker written after the export names a file of exactly the size on disk."""
    try:
        marker = json.loads((folder / MARKER).read_text())
        return (folder / "model.onnx").stat().st_size == marker["bytes"]
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _loads(path: Path) -> bool:
    try:
        ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        return True
    except Exception:  # noqa: BLE001 - any load error means "export again"
        return False


def export(model_dir: Path, backend: str, folder: Path) -> Path:
    """Export the model folder to ``folder/model.onnx`` (int8 for ``onnx-int8``) and write the marker last.

    Work happens in a temporary folder beside the target; the finished file is renamed into
    place, so a reader never sees half of it. Call with the folder's lock held.
    """
    started = time.perf_counter()
    (folder / MARKER).unlink(missing_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".export-", dir=folder))
    try:
        fp32 = work / "fp32.onnx"
        fused = backend == "onnx"
        _export_fp32(model_dir, fp32, eager=fused)
        final = fp32
        if backend == "onnx-int8":
            final = work / "int8.onnx"
            _quantise(fp32, final)
        elif _fuse(fp32, work / "fused.onnx", model_dir):
            final = work / "fused.onnx"
        os.replace(final, folder / "model.onnx")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    marker = {
        "bytes": (folder / "model.onnx").stat().st_size, "backend": backend, "model_dir": str(model_dir),
        "int8_format": int8_format() if backend == "onnx-int8" else None, "fused": final.name == "fused.onnx", "onnxruntime": ort.__version__,
        "seconds": round(time.perf_counter() - started, 1),
    }
    tmp = folder / f".{MARKER}.tmp"
    tmp.write_text(json.dumps(marker, indent=1))
    os.replace(tmp, folder / MARKER)
    return folder / "model.onnx"


def _export_fp32(model_dir: Path, out: Path, eager: bool = False) -> None:
    """Trace the transformer + mean pooling + L2 normalisation into one fp32 ONNX graph (dynamic batch and length).

    ``eager``: trace transformers' plain attention rather than its scaled-dot-product kernel, the
    form onnxruntime's BERT fusions recognise (:func:`_fuse`); the int8 recipe keeps the default.
    """
    import warnings

    import torch
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    kwargs = {"attn_implementation": "eager"} if eager else {}
    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True, **kwargs).eval()
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    sample = tokenizer(["a short text", "a somewhat longer text to pad the first one"], padding=True, return_tensors="pt")

    class Pooled(torch.nn.Module):
        """sentence-transformers' modules.json for this model: Transformer -> mean Pooling -> Normalize."""

        def __init__(self, transformer: torch.nn.Module) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.transformer(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2.0, dim=1)

    axes = {name: {0: "batch", 1: "length"} for name in INPUTS}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on the legacy exporter and on traced branches
        # The TorchScript exporter: the torch.export one needs onnxscript and gains nothing for a BERT.
        torch.onnx.export(
            Pooled(model), tuple(sample[name] for name in INPUTS), str(out), input_names=list(INPUTS),
            output_names=["sentence_embedding"], dynamic_axes={**axes, "sentence_embedding": {0: "batch"}},
            opset_version=17, dynamo=False,
        )


def _fuse(fp32: Path, out: Path, model_dir: Path) -> bool:
    """onnxruntime's BERT fusions (attention, skip-layer-norm, bias-GELU, embedding layer norm), still fp32.

    Measured on a 2-core Xeon: passages of ~560 characters in batches of 64 encode at 54 a second
    against 42 for the unfused graph (a question alone takes the same ~6 ms), with vectors equal
    to a cosine of 0.999999. Heads and hidden size come from the model folder's ``config.json``.
    Returns False, writing nothing, for a model the fusions do not fit (another architecture set
    in ``embedding.model_path``): the plain fp32 graph is used then.
    """
    import logging

    from onnxruntime.transformers.optimizer import optimize_model

    try:
        config = json.loads((model_dir / "config.json").read_text())
        logging.getLogger("onnxruntime.transformers").setLevel(logging.ERROR)  # "failed to detect ..." notes
        model = optimize_model(str(fp32), model_type="bert", num_heads=config["num_attention_heads"], hidden_size=config["hidden_size"])
        if not model.get_fused_operator_statistics().get("Attention"):
            return False
        model.save_model_to_file(str(out))
        return True
    except Exception:  # noqa: BLE001 - any failure leaves the plain graph, which is correct, only slower
        return False


def _quantise(fp32: Path, out: Path) -> None:
    """Dynamic int8 quantisation of the weights (activations are quantised per batch at run time)."""
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    # The quantiser calls logging.warning() ("consider pre-processing"), which would install a
    # root handler for the rest of the process (and every library's DEBUG lines would print):
    # a handler of our own for the duration keeps logging unconfigured.
    root = logging.getLogger()
    level, quiet = root.level, logging.NullHandler()
    root.addHandler(quiet)
    root.setLevel(logging.ERROR)
    try:
        quantize_dynamic(
            str(fp32), str(out), weight_type=QuantType.QInt8, per_channel=True, reduce_range=int8_format() == "avx2",
        )
    finally:
        root.removeHandler(quiet)
        root.setLevel(level)
