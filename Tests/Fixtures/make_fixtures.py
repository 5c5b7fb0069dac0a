#!/usr/bin/env python3
"""Loupe reference-fixture generator.

Makes every committed file under Tests/Fixtures/{models,ops,hostile}:
  models/   whole networks exported from PyTorch (CNN at opset 13/17 and via the
            dynamo exporter, an MLP, ResNet-18 and MobileNetV3-small with
            regenerable "loupe-xorshift" weights, an external-data MLP), with
            seeded inputs and onnxruntime (CPUExecutionProvider) outputs.
  ops/      tiny onnx.helper graphs, one per op/attribute variant, with seeded
            inputs and onnxruntime outputs.
  hostile/  malformed / malicious models the loader must reject with a
            one-line error containing manifest "expect".
Each directory has a manifest.json; all paths in it are relative to that directory.
Swift tests never run Python: all outputs are committed. The external weight
files resnet18.weights and mobilenetv3_small.weights are NOT committed; tests
(and Benchmarks/bench_onnxruntime.py) regenerate them from the manifest recipe
(see fixturelib.py for the generator definition).

Deterministic: every random source is seeded; running twice gives identical bytes.

Regenerate (from the repository root):
  python3 -m venv /tmp/v && /tmp/v/bin/pip install torch torchvision onnx onnxruntime onnxscript numpy \
    && /tmp/v/bin/python Tests/Fixtures/make_fixtures.py
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import os
import shutil
import sys
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fixturelib as FL  # noqa: E402

import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

MODELS = os.path.join(HERE, "models")
WEIGHT_GAIN = math.sqrt(2.0)  # global gain for loupe-xorshift weights (recorded in manifest)
OPS = os.path.join(HERE, "ops")
HOSTILE = os.path.join(HERE, "hostile")

warnings.filterwarnings("ignore")


# ----------------------------------------------------------------------------
# generic helpers
# ----------------------------------------------------------------------------

def rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def save_npy(path: str, arr: np.ndarray) -> None:
    arr = np.ascontiguousarray(np.asarray(arr, dtype=np.float32))
    np.save(path, arr, allow_pickle=False)


def ort_session(path: str) -> ort.InferenceSession:
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.log_severity_level = 3
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def run_ort(path: str, feeds: dict) -> dict:
    sess = ort_session(path)
    names = [o.name for o in sess.get_outputs()]
    outs = sess.run(names, feeds)
    return dict(zip(names, outs))


def count_parameters(model: onnx.ModelProto) -> int:
    total = 0
    for t in model.graph.initializer:
        n = 1
        for d in t.dims:
            n *= d
        total += n
    return total


def strip_doc(model: onnx.ModelProto) -> None:
    """Remove doc strings / metadata that may carry host paths or stack traces."""
    model.doc_string = ""
    del model.metadata_props[:]
    graphs = [model.graph]
    for fn in model.functions:
        fn.doc_string = ""
        for n in fn.node:
            n.doc_string = ""
            del n.metadata_props[:]
    while graphs:
        g = graphs.pop()
        g.doc_string = ""
        if hasattr(g, "metadata_props"):
            del g.metadata_props[:]
        for vi in list(g.input) + list(g.output) + list(g.value_info):
            vi.doc_string = ""
            if hasattr(vi, "metadata_props"):
                del vi.metadata_props[:]
        for t in g.initializer:
            t.doc_string = ""
            if hasattr(t, "metadata_props"):
                del t.metadata_props[:]
        for n in g.node:
            n.doc_string = ""
            del n.metadata_props[:]
            for a in n.attribute:
                if a.type == onnx.AttributeProto.GRAPH:
                    graphs.append(a.g)
                for sg in a.graphs:
                    graphs.append(sg)


def write_model(model: onnx.ModelProto, path: str) -> None:
    with open(path, "wb") as f:
        f.write(model.SerializeToString(deterministic=True))


def write_json(path: str, obj) -> None:
    with open(path, "w") as f:
        json.dump(obj, f, indent=1, sort_keys=False)
        f.write("\n")


def fresh_dir(path: str, keep=()) -> None:
    os.makedirs(path, exist_ok=True)
    for name in os.listdir(path):
        if name in keep:
            continue
        p = os.path.join(path, name)
        if os.path.isdir(p):
            shutil.rmtree(p)
        else:
            os.remove(p)


# ----------------------------------------------------------------------------
# models
# ----------------------------------------------------------------------------

def build_cnn():
    import torch
    import torch.nn as nn

    class SmallCNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
            self.bn1 = nn.BatchNorm2d(8)
            self.conv2 = nn.Conv2d(8, 16, 3)
            self.bn2 = nn.BatchNorm2d(16)
            self.pool = nn.MaxPool2d(2)
            self.fc1 = nn.Linear(16 * 6 * 6, 32)
            self.drop = nn.Dropout(0.25)
            self.fc2 = nn.Linear(32, 10)

        def forward(self, x):
            x = self.pool(torch.relu(self.bn1(self.conv1(x))))
            x = self.pool(torch.relu(self.bn2(self.conv2(x))))
            x = torch.flatten(x, 1)
            x = torch.relu(self.fc1(x))
            x = self.drop(x)
            return self.fc2(x)

    torch.manual_seed(1234)
    m = SmallCNN()
    g = torch.Generator().manual_seed(4321)
    with torch.no_grad():
        for bn in (m.bn1, m.bn2):
            c = bn.num_features
            bn.running_mean.copy_(torch.randn(c, generator=g) * 0.5)
            bn.running_var.copy_(torch.rand(c, generator=g) * 1.5 + 0.25)
            bn.weight.copy_(torch.rand(c, generator=g) * 1.0 + 0.5)
            bn.bias.copy_(torch.randn(c, generator=g) * 0.2)
    m.eval()
    return m


def build_mlp():
    import torch
    import torch.nn as nn
    torch.manual_seed(777)
    m = nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    m.eval()
    return m


def export_legacy(model, example, path, opset, folding=True, dynamic=True,
                  input_name="input", output_name="logits"):
    import torch
    kw = {}
    if dynamic:
        kw["dynamic_axes"] = {input_name: {0: "batch"}, output_name: {0: "batch"}}
    with torch.no_grad():
        torch.onnx.export(model, (example,), path, dynamo=False, opset_version=opset,
                          do_constant_folding=folding, input_names=[input_name],
                          output_names=[output_name], **kw)
    m = onnx.load(path)
    strip_doc(m)
    m.producer_version = m.producer_version  # keep torch version as producer info
    write_model(m, path)
    return m


def float_index_list(model):
    return [t for t in model.graph.initializer if t.data_type == TensorProto.FLOAT]


def externalize_with_generator(model: onnx.ModelProto, onnx_path: str, weights_name: str,
                               gain: float) -> dict:
    """Replace float initializer data with loupe-xorshift values, move them to an
    external file (contiguous, initializer order), save the graph. Returns recipe."""
    tensors = []
    offset = 0
    blobs = []
    fidx = 0
    for t in model.graph.initializer:
        if t.data_type != TensorProto.FLOAT:
            continue
        shape = list(t.dims)
        scale = FL.tensor_scale(shape, gain)
        arr = FL.generate_tensor(fidx, shape, scale)
        data = arr.astype("<f4").tobytes()
        t.ClearField("raw_data")
        t.ClearField("float_data")
        del t.external_data[:]
        t.data_location = TensorProto.EXTERNAL
        for k, v in (("location", weights_name), ("offset", str(offset)), ("length", str(len(data)))):
            e = t.external_data.add()
            e.key = k
            e.value = v
        tensors.append({"index": fidx, "name": t.name, "shape": shape, "scale": scale,
                        "offset": offset, "length": len(data)})
        blobs.append(data)
        offset += len(data)
        fidx += 1
    directory = os.path.dirname(onnx_path)
    with open(os.path.join(directory, weights_name), "wb") as f:
        for b in blobs:
            f.write(b)
    write_model(model, onnx_path)
    recipe = {"generator": FL.GENERATOR_NAME, "file": weights_name, "gain": gain,
              "file_size": offset, "tensors": tensors}
    # Verify the recipe alone reproduces the bytes exactly.
    with open(os.path.join(directory, weights_name), "rb") as f:
        on_disk = f.read()
    assert FL.generate_weights_bytes(recipe) == on_disk, "recipe does not reproduce weights"
    recipe["sha256"] = hashlib.sha256(on_disk).hexdigest()
    return recipe


def make_models() -> None:
    import torch
    import torchvision

    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    fresh_dir(MODELS)
    cases = []

    def add_case(name, model_file, inputs, batch, notes, weights=None, output_names=None):
        path = os.path.join(MODELS, model_file)
        m = onnx.load(path, load_external_data=False)
        in_files = {}
        for k, arr in inputs.items():
            fn = f"{name}.input.npy" if len(inputs) == 1 else f"{name}.{k}.npy"
            save_npy(os.path.join(MODELS, fn), arr)
            in_files[k] = fn
        outs = run_ort(path, {k: np.asarray(v, dtype=np.float32) for k, v in inputs.items()})
        out_files = {}
        for i, (k, arr) in enumerate(outs.items()):
            assert np.all(np.isfinite(arr)), f"{name}: non-finite output"
            fn = f"{name}.output{i}.npy"
            save_npy(os.path.join(MODELS, fn), arr)
            out_files[k] = fn
        case = {"name": name, "model": model_file, "inputs": in_files, "outputs": out_files,
                "batch": batch, "parameters": count_parameters(m), "weights": weights,
                "notes": notes}
        cases.append(case)
        return outs

    # ---- CNN -------------------------------------------------------------
    cnn = build_cnn()
    ex = torch.zeros(4, 1, 28, 28)
    x4 = rng(13).standard_normal((4, 1, 28, 28)).astype(np.float32)
    x1 = rng(14).standard_normal((1, 1, 28, 28)).astype(np.float32)

    m13 = export_legacy(cnn, ex, os.path.join(MODELS, "cnn_opset13.onnx"), 13, folding=False)
    assert any(n.op_type == "BatchNormalization" for n in m13.graph.node), "BN was folded"
    out13 = add_case("cnn_opset13", "cnn_opset13.onnx", {"input": x4}, 4,
                     "Small MNIST CNN, legacy exporter, opset 13, no constant folding "
                     "(BatchNormalization nodes kept), dynamic batch axis.")
    add_case("cnn_opset13_b1", "cnn_opset13.onnx", {"input": x1}, 1,
             "Same model file as cnn_opset13, batch 1 input.")
    with torch.no_grad():
        ref = cnn(torch.from_numpy(x4)).numpy()
    assert np.allclose(ref, out13["logits"], atol=1e-4), "torch vs ORT mismatch (cnn13)"

    export_legacy(cnn, ex, os.path.join(MODELS, "cnn_opset17.onnx"), 17, folding=True)
    add_case("cnn_opset17", "cnn_opset17.onnx", {"input": x4}, 4,
             "Same CNN weights, legacy exporter, opset 17, default constant folding "
             "(BatchNorm folded into Conv), dynamic batch axis.")

    # dynamo exporter
    dyn_path = os.path.join(MODELS, "cnn_dynamo.onnx")
    with torch.no_grad():
        prog = torch.onnx.export(cnn, (ex,), dynamo=True, input_names=["input"],
                                 output_names=["logits"], verbose=False,
                                 external_data=False)
    prog.save(dyn_path, external_data=False)
    for extra in os.listdir(MODELS):
        if extra.startswith("cnn_dynamo.onnx") and extra != "cnn_dynamo.onnx":
            raise RuntimeError("dynamo export left external data: " + extra)
    md = onnx.load(dyn_path)
    strip_doc(md)
    write_model(md, dyn_path)
    opset_d = [o.version for o in md.opset_import if o.domain in ("", "ai.onnx")][0]
    outd = add_case("cnn_dynamo", "cnn_dynamo.onnx", {"input": x4}, 4,
                    f"Same CNN weights, torch.onnx.export(dynamo=True), opset {opset_d}, "
                    "static batch 4, single file.")
    assert np.allclose(ref, outd["logits"], atol=1e-4), "torch vs ORT mismatch (dynamo)"

    # ---- MLP -------------------------------------------------------------
    mlp = build_mlp()
    xm = rng(21).standard_normal((4, 1, 8, 8)).astype(np.float32)
    export_legacy(mlp, torch.zeros(4, 1, 8, 8), os.path.join(MODELS, "mlp_8x8.onnx"), 13)
    add_case("mlp_8x8", "mlp_8x8.onnx", {"input": xm}, 4,
             "MLP Flatten-Linear(64,32)-ReLU-Linear(32,10), legacy exporter, opset 13.")

    # ---- external_data (committed .bin) ---------------------------------
    me = onnx.load(os.path.join(MODELS, "mlp_8x8.onnx"))
    ext_path = os.path.join(MODELS, "external_data.onnx")
    onnx.save(me, ext_path, save_as_external_data=True, all_tensors_to_one_file=True,
              location="external_data.bin", size_threshold=0)
    me2 = onnx.load(ext_path, load_external_data=False)
    assert all(t.data_location == TensorProto.EXTERNAL for t in me2.graph.initializer)
    write_model(me2, ext_path)
    add_case("external_data", "external_data.onnx", {"input": xm}, 4,
             "mlp_8x8 saved with all initializers in committed external file "
             "external_data.bin (standard onnx external-data layout).")

    # ---- big models with generated weights ------------------------------
    def big(name, ctor, batch, seed, expect_params=None):
        torch.manual_seed(0)
        net = ctor(num_classes=10)
        net.eval()
        path = os.path.join(MODELS, f"{name}.onnx")
        export_legacy(net, torch.zeros(batch, 3, 64, 64), path, 17, folding=True)
        model = onnx.load(path)
        params = count_parameters(model)
        if expect_params is not None:
            assert params == expect_params, (name, params)
        x = rng(seed).standard_normal((batch, 3, 64, 64)).astype(np.float32)
        # gain 1.0 keeps logits finite but MobileNetV3's output then barely depends on the
        # input (batch std ~1e-5), and ResNet's only weakly; He-style gain sqrt(2) gives
        # moderate, input-sensitive logits for both (max |logit| ~28 / ~0.7).
        gain = WEIGHT_GAIN
        recipe = externalize_with_generator(copy.deepcopy(model), path, f"{name}.weights", gain)
        sess = ort_session(path)
        out = sess.run(None, {"input": x})[0]
        out0 = sess.run(None, {"input": np.zeros_like(x)})[0]
        assert np.all(np.isfinite(out)), name
        mx = float(np.max(np.abs(out)))
        assert 1e-2 < mx < 1e3, (name, mx)
        sens = float(np.mean(np.abs(out - out0)))
        assert sens > 1e-2, (name, "logits do not depend on the input", sens)
        print(f"{name}: gain={gain} max|logit|={mx:.4g} input-sensitivity={sens:.4g} params={params}")
        return x, recipe

    xr, rec_r = big("resnet18", torchvision.models.resnet18, 2, 31, expect_params=11_173_002)
    add_case("resnet18", "resnet18.onnx", {"input": xr}, 2,
             "torchvision resnet18(num_classes=10) at 3x64x64, opset 17, BN folded. Weights are "
             "loupe-xorshift generated into resnet18.weights (not committed; regenerate from "
             "'weights' recipe, see fixturelib.py).", weights=rec_r)
    xmb, rec_m = big("mobilenetv3_small", torchvision.models.mobilenet_v3_small, 4, 41)
    add_case("mobilenetv3_small", "mobilenetv3_small.onnx", {"input": xmb}, 4,
             "torchvision mobilenet_v3_small(num_classes=10) at 3x64x64, opset 17, BN folded. "
             "Weights are loupe-xorshift generated into mobilenetv3_small.weights (not "
             "committed; regenerate from 'weights' recipe).", weights=rec_m)

    with open(os.path.join(MODELS, ".gitignore"), "w") as f:
        f.write("# Regenerated from manifest.json 'weights' recipes (loupe-xorshift)\n")
        f.write("resnet18.weights\nmobilenetv3_small.weights\n*.weights.tmp\n")
    write_json(os.path.join(MODELS, "manifest.json"), cases)

    # Re-check from the manifest as written (JSON round trip of scales etc.).
    for c in FL.load_manifest(MODELS):
        if c["weights"]:
            data = FL.generate_weights_bytes(c["weights"])
            with open(os.path.join(MODELS, c["weights"]["file"]), "rb") as f:
                assert f.read() == data, c["name"]
            assert hashlib.sha256(data).hexdigest() == c["weights"]["sha256"], c["name"]


# ----------------------------------------------------------------------------
# op fixtures
# ----------------------------------------------------------------------------

OP_CASES = []
_OP_SEED = [1000]


def _next_seed():
    _OP_SEED[0] += 1
    return _OP_SEED[0]


def rnd(shape, lo=None, hi=None, positive=False, away=0.0):
    """Seeded float32 input. `away`: keep |x| >= away (avoid kinks at 0)."""
    r = rng(_next_seed())
    if lo is not None:
        a = r.uniform(lo, hi, size=shape)
    else:
        a = r.standard_normal(size=shape)
    if positive:
        a = np.abs(a) + 0.1
    if away:
        a = np.where(np.abs(a) < away, np.sign(a + 1e-12) * (away + np.abs(a)), a)
    return np.asarray(a, dtype=np.float32)


def init(name, arr, dtype=None):
    arr = np.asarray(arr if dtype is None else np.asarray(arr, dtype=dtype))
    return numpy_helper.from_array(arr, name)


def op_case(name, op, nodes, inputs, outputs, inits=(), opset=17, notes="", extra_opsets=()):
    """inputs: dict name->float32 array (graph inputs). outputs: list of names."""
    g_inputs = [helper.make_tensor_value_info(k, TensorProto.FLOAT, list(v.shape))
                for k, v in inputs.items()]

    def build(out_shapes):
        g_outputs = [helper.make_tensor_value_info(o, TensorProto.FLOAT, out_shapes.get(o))
                     for o in outputs]
        graph = helper.make_graph(nodes, name, g_inputs, g_outputs, initializer=list(inits))
        ops = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, v) for d, v in extra_opsets]
        model = helper.make_model(graph, opset_imports=ops, producer_name="loupe-fixtures")
        model.ir_version = 8 if opset <= 17 else (9 if opset <= 20 else 10)
        return model

    path = os.path.join(OPS, f"{name}.onnx")
    write_model(build({}), path)
    outs = run_ort(path, inputs)
    model = build({k: list(v.shape) for k, v in outs.items()})
    try:
        onnx.checker.check_model(model, full_check=True)
    except Exception as e:  # ORT is the reference; record where onnx shape inference disagrees
        onnx.checker.check_model(model, full_check=False)
        msg = str(e).strip().splitlines()[-1]
        print(f"note: {name}: onnx shape inference disagrees with onnxruntime: {msg}")
        notes = (notes + "; " if notes else "") + "onnx shape inference disagrees with ORT: " + msg
    write_model(model, path)
    outs2 = run_ort(path, inputs)
    in_files, out_files = {}, {}
    for i, k in enumerate(inputs):
        fn = f"{name}.input{i}.npy"
        save_npy(os.path.join(OPS, fn), inputs[k])
        in_files[k] = fn
    for i, o in enumerate(outputs):
        arr = outs2[o]
        assert arr.dtype == np.float32, (name, o, arr.dtype)
        assert np.all(np.isfinite(arr)), (name, o)
        assert np.array_equal(arr, outs[o]), name
        fn = f"{name}.output{i}.npy"
        save_npy(os.path.join(OPS, fn), arr)
        out_files[o] = fn
    OP_CASES.append({"name": name, "op": op, "model": f"{name}.onnx", "inputs": in_files,
                     "outputs": out_files, "batch": None, "weights": None, "opset": opset,
                     "parameters": sum(int(np.prod(t.dims)) for t in inits),
                     "notes": notes})


def N(op, ins, outs, name=None, **attrs):
    return helper.make_node(op, ins, outs, name=name or f"{op.lower()}_0", **attrs)


def make_ops() -> None:
    fresh_dir(OPS)
    OP_CASES.clear()
    _OP_SEED[0] = 1000
    I64 = np.int64
    INT64_MAX = np.iinfo(np.int64).max

    # ---- Conv ----
    def conv(name, xshape, wshape, bias=True, notes="", **attrs):
        x = rnd(xshape)
        w = rnd(wshape) * 0.5
        ins = ["x", "w"]
        inits = [init("w", w)]
        if bias:
            inits.append(init("b", rnd([wshape[0]]) * 0.1))
            ins.append("b")
        op_case(name, "Conv", [N("Conv", ins, ["y"], **attrs)], {"x": x}, ["y"], inits, notes=notes)

    conv("conv_basic", [2, 3, 7, 7], [4, 3, 3, 3], pads=[1, 1, 1, 1], notes="3x3 pad 1 with bias")
    conv("conv_nobias", [2, 3, 7, 7], [4, 3, 3, 3], bias=False, notes="no bias, no pad")
    conv("conv_groups2", [2, 4, 6, 6], [6, 2, 3, 3], group=2, pads=[1, 1, 1, 1], notes="group=2")
    conv("conv_depthwise", [2, 4, 6, 6], [4, 1, 3, 3], group=4, pads=[1, 1, 1, 1],
         notes="depthwise group=C")
    conv("conv_depthwise_mult", [1, 3, 6, 6], [6, 1, 3, 3], group=3, notes="depthwise multiplier 2")
    conv("conv_stride2_asym_pads", [2, 3, 9, 8], [5, 3, 3, 3], strides=[2, 2], pads=[1, 0, 2, 1],
         notes="strides 2, asymmetric pads [t,l,b,r]=[1,0,2,1]")
    conv("conv_same_upper", [1, 3, 8, 7], [4, 3, 3, 3], strides=[2, 2], auto_pad="SAME_UPPER",
         notes="auto_pad SAME_UPPER stride 2")
    conv("conv_valid", [1, 3, 8, 7], [4, 3, 3, 2], auto_pad="VALID", notes="auto_pad VALID, 3x2 kernel")
    conv("conv_dilation2", [1, 2, 9, 9], [3, 2, 3, 3], dilations=[2, 2], pads=[2, 2, 2, 2],
         notes="dilations 2")
    conv("conv_1x1", [2, 5, 4, 4], [3, 5, 1, 1], notes="1x1 pointwise")

    # ---- ConvTranspose ----
    def convt(name, xshape, wshape, bias=True, notes="", **attrs):
        x = rnd(xshape)
        inits = [init("w", rnd(wshape) * 0.5)]
        ins = ["x", "w"]
        if bias:
            g = attrs.get("group", 1)
            inits.append(init("b", rnd([wshape[1] * g]) * 0.1))
            ins.append("b")
        op_case(name, "ConvTranspose", [N("ConvTranspose", ins, ["y"], **attrs)], {"x": x}, ["y"],
                inits, notes=notes)

    convt("convtranspose_stride2", [2, 3, 4, 4], [3, 2, 3, 3], strides=[2, 2], notes="stride 2")
    convt("convtranspose_pads", [1, 3, 5, 5], [3, 4, 3, 3], strides=[2, 2], pads=[1, 1, 1, 1],
          notes="stride 2, pads 1")
    convt("convtranspose_output_padding", [1, 2, 4, 5], [2, 3, 3, 3], strides=[2, 2],
          pads=[1, 1, 1, 1], output_padding=[1, 1], notes="stride 2, pads 1, output_padding 1")
    convt("convtranspose_groups", [2, 4, 3, 3], [4, 2, 2, 2], strides=[2, 2], group=2,
          notes="group=2, kernel 2 stride 2")
    convt("convtranspose_nobias", [1, 2, 3, 3], [2, 3, 3, 3], bias=False, notes="stride 1, no bias")

    # ---- Gemm ----
    def gemm(name, a_shape, b_shape, c_shape, notes="", **attrs):
        inputs = {"a": rnd(a_shape)}
        inits = [init("b", rnd(b_shape))]
        ins = ["a", "b"]
        if c_shape is not None:
            inits.append(init("c", rnd(c_shape)))
            ins.append("c")
        op_case(name, "Gemm", [N("Gemm", ins, ["y"], **attrs)], inputs, ["y"], inits, notes=notes)

    gemm("gemm_basic", [3, 5], [5, 4], [4], notes="C broadcast [N]")
    gemm("gemm_transB", [3, 5], [4, 5], [4], transB=1, notes="transB=1 (Linear layout)")
    gemm("gemm_transA", [5, 3], [5, 4], [3, 4], transA=1, notes="transA=1, full C")
    gemm("gemm_transAB_alpha_beta", [5, 3], [4, 5], [3, 1], transA=1, transB=1, alpha=0.7, beta=1.3,
         notes="transA, transB, alpha 0.7, beta 1.3, C [M,1] broadcast")
    gemm("gemm_scalar_c", [2, 6], [6, 3], [], beta=0.5, notes="scalar C, beta 0.5")
    gemm("gemm_noc", [2, 6], [6, 3], None, alpha=2.0, notes="no C, alpha 2")

    # ---- MatMul ----
    def matmul(name, a, b, notes):
        op_case(name, "MatMul", [N("MatMul", ["a", "b"], ["y"])], {"a": rnd(a), "b": rnd(b)}, ["y"],
                notes=notes)

    matmul("matmul_2d", [3, 4], [4, 5], "2D")
    matmul("matmul_batched3d", [2, 3, 4], [2, 4, 5], "batched 3D")
    matmul("matmul_broadcast", [2, 3, 4, 5], [5, 6], "4D @ 2D broadcast")
    matmul("matmul_broadcast_batch", [3, 4], [2, 4, 5], "2D @ 3D broadcast")
    matmul("matmul_broadcast_dims", [2, 1, 3, 4], [1, 3, 4, 2], "batch dims broadcast both sides")

    # ---- binary elementwise with broadcasting ----
    def bin_inputs(op, bshape):
        a_shape = [2, 3, 4, 5]
        if op == "Pow":
            return rnd(a_shape, lo=0.2, hi=2.0), rnd(bshape, lo=-2.0, hi=2.0)
        if op == "Div":
            return rnd(a_shape), rnd(bshape, away=0.5)
        return rnd(a_shape), rnd(bshape)

    for op in ["Add", "Sub", "Mul", "Div", "Pow"]:
        for suffix, bshape in [("same", [2, 3, 4, 5]), ("bcast_last", [5]), ("bcast_c11", [3, 1, 1]),
                               ("scalar", [])]:
            a, b = bin_inputs(op, bshape)
            op_case(f"{op.lower()}_{suffix}", op, [N(op, ["a", "b"], ["y"])], {"a": a, "b": b}, ["y"],
                    notes=f"[2,3,4,5] {op} {bshape}")
    a = rnd([3, 1, 5])
    b = rnd([1, 4, 1])
    op_case("add_bcast_both", "Add", [N("Add", ["a", "b"], ["y"])], {"a": a, "b": b}, ["y"],
            notes="[3,1,5]+[1,4,1] both sides broadcast")

    # ---- unary ----
    shp = [2, 3, 4, 5]
    unary = [
        ("Sqrt", {}, dict(positive=True), ""),
        ("Neg", {}, {}, ""),
        ("Exp", {}, {}, ""),
        ("Log", {}, dict(positive=True), ""),
        ("Abs", {}, dict(away=0.05), ""),
        ("Relu", {}, dict(away=0.05), ""),
        ("LeakyRelu", {"alpha": 0.1}, dict(away=0.05), "alpha 0.1"),
        ("Elu", {"alpha": 0.8}, dict(away=0.05), "alpha 0.8"),
        ("Sigmoid", {}, {}, ""),
        ("Tanh", {}, {}, ""),
        ("HardSigmoid", {"alpha": 0.25, "beta": 0.4}, {}, "alpha 0.25 beta 0.4"),
        ("HardSwish", {}, {}, ""),
        ("Erf", {}, {}, ""),
        ("Softplus", {}, {}, ""),
        ("Identity", {}, {}, ""),
    ]
    for op, attrs, kw, notes in unary:
        x = rnd(shp, **kw)
        if op in ("HardSigmoid", "HardSwish"):
            x = x * 3.0
            # keep away from the clamping kinks
            kinks = [-1.6, 2.4] if op == "HardSigmoid" else [-3.0, 3.0]
            for k in kinks:
                x = np.where(np.abs(x - k) < 0.05, x + 0.1, x).astype(np.float32)
        op_case(op.lower(), op, [N(op, ["x"], ["y"], **attrs)], {"x": x}, ["y"], notes=notes)
    op_case("leakyrelu_default", "LeakyRelu", [N("LeakyRelu", ["x"], ["y"])], {"x": rnd(shp, away=0.05)},
            ["y"], notes="default alpha 0.01")

    # PRelu slope [C,1,1]
    op_case("prelu_c11", "PRelu", [N("PRelu", ["x", "slope"], ["y"])], {"x": rnd(shp, away=0.05)}, ["y"],
            [init("slope", rnd([3, 1, 1], lo=0.05, hi=0.5))], notes="slope [C,1,1] initializer")

    # Clip opset 13
    x = rnd(shp) * 2
    x = np.where(np.abs(x + 0.5) < 0.03, x + 0.1, x)
    x = np.where(np.abs(x - 0.8) < 0.03, x + 0.1, x).astype(np.float32)
    op_case("clip_min_max", "Clip", [N("Clip", ["x", "lo", "hi"], ["y"])], {"x": x}, ["y"],
            [init("lo", np.array(-0.5, np.float32)), init("hi", np.array(0.8, np.float32))], opset=13,
            notes="opset 13, min -0.5 max 0.8 as initializer inputs")
    op_case("clip_max_only", "Clip", [N("Clip", ["x", "", "hi"], ["y"])], {"x": x}, ["y"],
            [init("hi", np.array(0.8, np.float32))], opset=13, notes="opset 13, only max (min omitted)")
    op_case("clip_relu6", "Clip", [N("Clip", ["x", "lo", "hi"], ["y"])], {"x": x * 4}, ["y"],
            [init("lo", np.array(0.0, np.float32)), init("hi", np.array(6.0, np.float32))], opset=13,
            notes="opset 13, ReLU6")

    # Gelu opset 20
    for approx in ["none", "tanh"]:
        op_case(f"gelu_{approx}", "Gelu", [N("Gelu", ["x"], ["y"], approximate=approx)], {"x": rnd(shp)},
                ["y"], opset=20, notes=f"opset 20, approximate={approx}")

    # Softmax / LogSoftmax
    for op in ["Softmax", "LogSoftmax"]:
        for axis in [-1, 1]:
            tag = "m1" if axis < 0 else str(axis)
            op_case(f"{op.lower()}_axis{tag}", op, [N(op, ["x"], ["y"], axis=axis)], {"x": rnd(shp)},
                    ["y"], notes=f"axis {axis} (opset 13+ semantics)")

    # ---- pooling ----
    def pool(name, op, xshape, notes, **attrs):
        op_case(name, op, [N(op, ["x"], ["y"], **attrs)], {"x": rnd(xshape)}, ["y"], notes=notes)

    pool("maxpool_2x2", "MaxPool", [2, 3, 8, 8], "kernel 2 stride 2", kernel_shape=[2, 2], strides=[2, 2])
    pool("maxpool_k3s2p1", "MaxPool", [2, 3, 9, 9], "kernel 3 stride 2 pads 1", kernel_shape=[3, 3],
         strides=[2, 2], pads=[1, 1, 1, 1])
    pool("maxpool_ceil", "MaxPool", [1, 2, 8, 8], "kernel 3 stride 2 ceil_mode 1", kernel_shape=[3, 3],
         strides=[2, 2], ceil_mode=1)
    pool("maxpool_dilation", "MaxPool", [1, 2, 9, 9], "kernel 2 dilations 2", kernel_shape=[2, 2],
         dilations=[2, 2])
    pool("avgpool_k3s2p1_include", "AveragePool", [2, 3, 9, 9], "kernel 3 stride 2 pads 1 count_include_pad 1",
         kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], count_include_pad=1)
    pool("avgpool_k3s2p1_exclude", "AveragePool", [2, 3, 9, 9], "kernel 3 stride 2 pads 1 count_include_pad 0",
         kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], count_include_pad=0)
    pool("avgpool_ceil", "AveragePool", [1, 2, 8, 8], "kernel 3 stride 2 ceil_mode 1", kernel_shape=[3, 3],
         strides=[2, 2], ceil_mode=1)
    pool("avgpool_ceil_pads", "AveragePool", [1, 2, 7, 7], "kernel 2 stride 2 pads 1 ceil_mode 1 exclude",
         kernel_shape=[2, 2], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1, count_include_pad=0)
    pool("avgpool_2x2", "AveragePool", [2, 3, 8, 8], "kernel 2 stride 2", kernel_shape=[2, 2], strides=[2, 2])
    pool("globalavgpool", "GlobalAveragePool", [2, 3, 5, 4], "")
    pool("globalmaxpool", "GlobalMaxPool", [2, 3, 5, 4], "")

    # ---- normalisation ----
    C = 3
    op_case("batchnorm_inference", "BatchNormalization",
            [N("BatchNormalization", ["x", "scale", "bias", "mean", "var"], ["y"], epsilon=1e-5)],
            {"x": rnd([2, C, 4, 5])}, ["y"],
            [init("scale", rnd([C], lo=0.5, hi=1.5)), init("bias", rnd([C]) * 0.2),
             init("mean", rnd([C]) * 0.5), init("var", rnd([C], lo=0.3, hi=2.0))],
            notes="inference mode, eps 1e-5")
    op_case("layernorm_axis_m1", "LayerNormalization",
            [N("LayerNormalization", ["x", "scale", "bias"], ["y"], axis=-1, epsilon=1e-5)],
            {"x": rnd([2, 3, 6])}, ["y"],
            [init("scale", rnd([6], lo=0.5, hi=1.5)), init("bias", rnd([6]) * 0.2)], notes="axis -1")
    op_case("layernorm_axis1", "LayerNormalization",
            [N("LayerNormalization", ["x", "scale", "bias"], ["y"], axis=1, epsilon=1e-5)],
            {"x": rnd([2, 3, 4])}, ["y"],
            [init("scale", rnd([3, 4], lo=0.5, hi=1.5)), init("bias", rnd([3, 4]) * 0.2)],
            notes="axis 1 (normalise over dims 1..)")

    # ---- shape manipulation ----
    for axis in [1, 0, 2]:
        op_case(f"flatten_axis{axis}", "Flatten", [N("Flatten", ["x"], ["y"], axis=axis)],
                {"x": rnd([2, 3, 4, 5])}, ["y"], notes=f"axis {axis}")
    op_case("reshape_zero_neg1", "Reshape", [N("Reshape", ["x", "shape"], ["y"])], {"x": rnd([2, 3, 4, 5])},
            ["y"], [init("shape", np.array([0, -1, 5], I64))], notes="shape [0,-1,5] (0 copies dim)")
    op_case("reshape_neg1_first", "Reshape", [N("Reshape", ["x", "shape"], ["y"])], {"x": rnd([2, 3, 4])},
            ["y"], [init("shape", np.array([-1, 2, 0], I64))], notes="shape [-1,2,0]")
    op_case("transpose_perm", "Transpose", [N("Transpose", ["x"], ["y"], perm=[0, 2, 3, 1])],
            {"x": rnd([2, 3, 4, 5])}, ["y"], notes="perm [0,2,3,1] NCHW->NHWC")
    op_case("transpose_default", "Transpose", [N("Transpose", ["x"], ["y"])], {"x": rnd([2, 3, 4])}, ["y"],
            notes="no perm (reverse)")
    op_case("concat_axis1", "Concat", [N("Concat", ["a", "b", "c"], ["y"], axis=1)],
            {"a": rnd([2, 1, 3]), "b": rnd([2, 2, 3]), "c": rnd([2, 3, 3])}, ["y"], notes="axis 1, 3 inputs")
    op_case("concat_axis_m1", "Concat", [N("Concat", ["a", "b"], ["y"], axis=-1)],
            {"a": rnd([2, 3, 2]), "b": rnd([2, 3, 4])}, ["y"], notes="axis -1")
    op_case("split_sizes", "Split", [N("Split", ["x", "split"], ["y0", "y1", "y2"], axis=1)],
            {"x": rnd([2, 6, 3])}, ["y0", "y1", "y2"], [init("split", np.array([1, 2, 3], I64))],
            notes="opset 17, split sizes [1,2,3] input, axis 1")
    op_case("split_equal", "Split", [N("Split", ["x"], ["y0", "y1", "y2"], axis=-1)],
            {"x": rnd([2, 3, 6])}, ["y0", "y1", "y2"], notes="opset 17, equal split into 3 (no split input)")
    op_case("split_num_outputs", "Split", [N("Split", ["x"], ["y0", "y1", "y2"], axis=1, num_outputs=3)],
            {"x": rnd([2, 7, 3])}, ["y0", "y1", "y2"], opset=18,
            notes="opset 18 num_outputs=3 on size 7 (sizes 3,3,1)")

    def slice_case(name, xshape, starts, ends, axes=None, steps=None, notes=""):
        ins = ["x", "starts", "ends"]
        inits = [init("starts", np.array(starts, I64)), init("ends", np.array(ends, I64))]
        if axes is not None:
            ins.append("axes")
            inits.append(init("axes", np.array(axes, I64)))
        if steps is not None:
            if axes is None:
                ins.append("")
            ins.append("steps")
            inits.append(init("steps", np.array(steps, I64)))
        op_case(name, "Slice", [N("Slice", ins, ["y"])], {"x": rnd(xshape)}, ["y"], inits, notes=notes)

    slice_case("slice_basic", [3, 4, 5], [0, 1], [2, 3], axes=[0, 1], notes="axes [0,1]")
    slice_case("slice_noaxes", [4, 5], [1, 0], [3, 4], notes="no axes/steps inputs")
    slice_case("slice_steps", [6, 7], [0, 1], [6, 7], axes=[0, 1], steps=[2, 3], notes="steps [2,3]")
    slice_case("slice_negative_steps", [5, 6], [-1, 4], [-6, 0], axes=[0, 1], steps=[-1, -2],
               notes="negative steps, negative starts/ends (reverse dim 0)")
    slice_case("slice_int64max", [3, 5, 4], [1], [INT64_MAX], axes=[2], steps=[1],
               notes="end INT64_MAX on axis 2")
    slice_case("slice_neg_axes", [3, 5, 4], [-3], [-1], axes=[-2], notes="negative axis and indices")
    slice_case("slice_reverse_full", [4, 3], [-1], [-INT64_MAX], axes=[0], steps=[-1],
               notes="reverse whole axis: start -1, end -INT64_MAX, step -1")
    op_case("squeeze_axes", "Squeeze", [N("Squeeze", ["x", "axes"], ["y"])], {"x": rnd([2, 1, 3, 1])},
            ["y"], [init("axes", np.array([1, -1], I64))], notes="axes [1,-1] input")
    op_case("squeeze_all", "Squeeze", [N("Squeeze", ["x"], ["y"])], {"x": rnd([1, 3, 1, 2])}, ["y"],
            notes="no axes: squeeze all 1-dims")
    op_case("unsqueeze_axes", "Unsqueeze", [N("Unsqueeze", ["x", "axes"], ["y"])], {"x": rnd([2, 3])},
            ["y"], [init("axes", np.array([0, 3], I64))], notes="axes [0,3]")
    op_case("unsqueeze_neg", "Unsqueeze", [N("Unsqueeze", ["x", "axes"], ["y"])], {"x": rnd([2, 3])},
            ["y"], [init("axes", np.array([-1], I64))], notes="axes [-1]")

    # Pad
    op_case("pad_constant", "Pad", [N("Pad", ["x", "pads", "cval"], ["y"], mode="constant")],
            {"x": rnd([1, 2, 3, 4])}, ["y"],
            [init("pads", np.array([0, 0, 1, 2, 0, 0, 2, 1], I64)), init("cval", np.array(0.75, np.float32))],
            notes="constant mode value 0.75")
    op_case("pad_constant_default", "Pad", [N("Pad", ["x", "pads"], ["y"])], {"x": rnd([2, 3, 4])}, ["y"],
            [init("pads", np.array([0, 1, 2, 0, 0, 1], I64))], notes="constant mode default 0")
    op_case("pad_reflect", "Pad", [N("Pad", ["x", "pads"], ["y"], mode="reflect")], {"x": rnd([1, 2, 4, 5])},
            ["y"], [init("pads", np.array([0, 0, 2, 1, 0, 0, 1, 3], I64))], notes="reflect")
    op_case("pad_edge", "Pad", [N("Pad", ["x", "pads"], ["y"], mode="edge")], {"x": rnd([1, 2, 3, 4])},
            ["y"], [init("pads", np.array([0, 0, 2, 1, 0, 0, 1, 3], I64))], notes="edge")

    # Reduce
    for op in ["ReduceMean", "ReduceSum", "ReduceMax"]:
        for kd in [0, 1]:
            op_case(f"{op.lower()}_axes_input_kd{kd}", op, [N(op, ["x", "axes"], ["y"], keepdims=kd)],
                    {"x": rnd([2, 3, 4, 5])}, ["y"], [init("axes", np.array([1, -1], I64))], opset=18,
                    notes=f"opset 18 axes [1,-1] as input, keepdims {kd}")
        op_case(f"{op.lower()}_all_kd0", op, [N(op, ["x"], ["y"], keepdims=0)], {"x": rnd([2, 3, 4])},
                ["y"], opset=18, notes="opset 18 no axes: reduce all, keepdims 0")
    for op in ["ReduceMean", "ReduceMax"]:
        for kd in [0, 1]:
            op_case(f"{op.lower()}_axes_attr_kd{kd}", op, [N(op, ["x"], ["y"], axes=[2, 3], keepdims=kd)],
                    {"x": rnd([2, 3, 4, 5])}, ["y"], opset=13,
                    notes=f"opset 13 axes [2,3] as attribute, keepdims {kd}")
    op_case("reducesum_opset13_input", "ReduceSum", [N("ReduceSum", ["x", "axes"], ["y"], keepdims=1)],
            {"x": rnd([2, 3, 4])}, ["y"], [init("axes", np.array([0], I64))], opset=13,
            notes="opset 13 ReduceSum axes input")

    # Dropout inference
    op_case("dropout_inference", "Dropout", [N("Dropout", ["x"], ["y"])], {"x": rnd([2, 3, 4])}, ["y"],
            notes="no ratio/training_mode: identity")
    op_case("dropout_ratio", "Dropout", [N("Dropout", ["x", "ratio"], ["y"])], {"x": rnd([2, 3, 4])}, ["y"],
            [init("ratio", np.array(0.5, np.float32))], notes="ratio 0.5 input, training_mode default false")

    # Constant
    cval = rnd([3, 4])
    op_case("constant_add", "Constant",
            [N("Constant", [], ["k"], value=numpy_helper.from_array(cval, "k")), N("Add", ["x", "k"], ["y"])],
            {"x": rnd([2, 3, 4])}, ["y"], notes="Constant(value tensor) + Add")
    op_case("constant_value_float", "Constant",
            [N("Constant", [], ["k"], value_float=2.5), N("Mul", ["x", "k"], ["y"])],
            {"x": rnd([2, 3])}, ["y"], notes="Constant value_float scalar * x")

    # Shape
    op_case("shape_full", "Shape", [N("Shape", ["x"], ["s"]), N("Cast", ["s"], ["y"], to=TensorProto.FLOAT)],
            {"x": rnd([2, 3, 4, 5])}, ["y"], notes="Shape then Cast to float")
    op_case("shape_start_end", "Shape",
            [N("Shape", ["x"], ["s"], start=1, end=-1), N("Cast", ["s"], ["y"], to=TensorProto.FLOAT)],
            {"x": rnd([2, 3, 4, 5])}, ["y"], opset=15, notes="opset 15 start=1 end=-1, Cast to float")
    op_case("shape_start_neg", "Shape",
            [N("Shape", ["x"], ["s"], start=-2), N("Cast", ["s"], ["y"], to=TensorProto.FLOAT)],
            {"x": rnd([2, 3, 4, 5])}, ["y"], opset=15, notes="opset 15 start=-2")

    # Gather
    op_case("gather_axis0", "Gather", [N("Gather", ["x", "idx"], ["y"], axis=0)], {"x": rnd([5, 3])}, ["y"],
            [init("idx", np.array([4, 0, 2, 2], I64))], notes="axis 0 int64 indices (repeat)")
    op_case("gather_axis1", "Gather", [N("Gather", ["x", "idx"], ["y"], axis=1)], {"x": rnd([2, 4, 3])},
            ["y"], [init("idx", np.array([[3, 1], [0, 2]], I64))], notes="axis 1, 2D indices")
    op_case("gather_negative", "Gather", [N("Gather", ["x", "idx"], ["y"], axis=1)], {"x": rnd([2, 5])},
            ["y"], [init("idx", np.array([-1, 0, -2], I64))], notes="negative indices")
    op_case("gather_scalar", "Gather", [N("Gather", ["x", "idx"], ["y"], axis=0)], {"x": rnd([4, 3])},
            ["y"], [init("idx", np.array(2, I64))], notes="scalar index, rank drops")

    # Cast chain
    xc = rnd([3, 4]) * 4
    xc = np.where(np.abs(xc - np.round(xc)) < 0.02, xc + 0.1, xc).astype(np.float32)
    op_case("cast_chain", "Cast", [N("Cast", ["x"], ["i"], name="cast_to_i64", to=TensorProto.INT64),
                                   N("Cast", ["i"], ["y"], name="cast_to_f32", to=TensorProto.FLOAT)],
            {"x": xc}, ["y"], notes="float->int64 (truncate toward 0)->float")

    # Resize opset 13
    empty_f = init("roi", np.zeros([0], np.float32))
    op_case("resize_nearest_asym_floor", "Resize",
            [N("Resize", ["x", "", "scales"], ["y"], mode="nearest",
               coordinate_transformation_mode="asymmetric", nearest_mode="floor")],
            {"x": rnd([1, 2, 3, 4])}, ["y"], [init("scales", np.array([1, 1, 2, 2], np.float32))], opset=13,
            notes="nearest, asymmetric, floor, scales input [1,1,2,2]")
    op_case("resize_nearest_default", "Resize",
            [N("Resize", ["x", "roi", "scales"], ["y"], mode="nearest")],
            {"x": rnd([1, 2, 3, 4])}, ["y"], [empty_f, init("scales", np.array([1, 1, 2, 1.5], np.float32))],
            opset=13, notes="nearest defaults (half_pixel, round_prefer_floor), empty roi initializer, "
                            "scales [1,1,2,1.5]")
    op_case("resize_linear_half_pixel", "Resize",
            [N("Resize", ["x", "", "scales"], ["y"], mode="linear", coordinate_transformation_mode="half_pixel")],
            {"x": rnd([1, 2, 3, 4])}, ["y"], [init("scales", np.array([1, 1, 2, 2], np.float32))], opset=13,
            notes="linear half_pixel, scales input")
    op_case("resize_linear_align_corners", "Resize",
            [N("Resize", ["x", "", "", "sizes"], ["y"], mode="linear",
               coordinate_transformation_mode="align_corners")],
            {"x": rnd([1, 2, 3, 4])}, ["y"], [init("sizes", np.array([1, 2, 5, 7], I64))], opset=13,
            notes="linear align_corners, sizes input [1,2,5,7]")
    op_case("resize_nearest_sizes", "Resize",
            [N("Resize", ["x", "", "", "sizes"], ["y"], mode="nearest",
               coordinate_transformation_mode="asymmetric", nearest_mode="floor")],
            {"x": rnd([2, 1, 4, 4])}, ["y"], [init("sizes", np.array([2, 1, 8, 6], I64))], opset=13,
            notes="nearest asymmetric floor, sizes input [2,1,8,6]")
    op_case("resize_linear_downscale", "Resize",
            [N("Resize", ["x", "", "scales"], ["y"], mode="linear", coordinate_transformation_mode="half_pixel")],
            {"x": rnd([1, 2, 6, 8])}, ["y"], [init("scales", np.array([1, 1, 0.5, 0.5], np.float32))], opset=13,
            notes="linear half_pixel downscale 0.5 (antialias not available at 13)")
    op_case("upsample_nearest", "Upsample", [N("Upsample", ["x", "scales"], ["y"], mode="nearest")],
            {"x": rnd([1, 2, 3, 3])}, ["y"], [init("scales", np.array([1, 1, 2, 2], np.float32))], opset=9,
            notes="opset 9 Upsample nearest, scales input")

    # shape_chain: x.view(x.size(0), -1) legacy-export pattern
    op_case("shape_chain", "Reshape",
            [N("Shape", ["x"], ["shp"], name="shape_0"),
             N("Gather", ["shp", "idx0"], ["bdim"], name="gather_0", axis=0),
             N("Unsqueeze", ["bdim", "ax0"], ["bdim1"], name="unsqueeze_0"),
             N("Concat", ["bdim1", "minus1"], ["newshape"], name="concat_0", axis=0),
             N("Reshape", ["x", "newshape"], ["y"], name="reshape_0")],
            {"x": rnd([2, 3, 4, 4])}, ["y"],
            [init("idx0", np.array(0, I64)), init("ax0", np.array([0], I64)), init("minus1", np.array([-1], I64))],
            opset=13, notes="Shape->Gather->Unsqueeze->Concat->Reshape flatten-by-batch "
                            "(legacy x.view(x.size(0), -1))")

    make_shape_arithmetic_ops()
    write_json(os.path.join(OPS, "manifest.json"), OP_CASES)


def make_shape_arithmetic_ops() -> None:
    """Shape arithmetic of exports with a dynamic batch axis (ViT class token, Swin shifted windows)."""
    I64 = np.int64
    F = TensorProto.FLOAT
    counter = [0]

    def M(op, ins, outs, name=None, **attrs):  # unique node names within a graph
        counter[0] += 1
        return N(op, ins, outs, name=name or f"{op.lower()}_{counter[0]}", **attrs)

    # ConstantOfShape: filled like the input (Shape -> ConstantOfShape), default value 0 and an int64 value
    op_case("constantofshape_float", "ConstantOfShape",
            [M("Shape", ["x"], ["s"]), M("ConstantOfShape", ["s"], ["k"], value=numpy_helper.from_array(np.array([1.5], np.float32))),
             M("Add", ["x", "k"], ["y"])],
            {"x": rnd([2, 3, 4])}, ["y"], notes="Shape -> ConstantOfShape(value 1.5) -> Add")
    op_case("constantofshape_default_int", "ConstantOfShape",
            [M("ConstantOfShape", ["shape"], ["z"]), M("Add", ["x", "z"], ["y"], name="add_default"),
             M("ConstantOfShape", ["shape"], ["k"], name="cos_int", value=numpy_helper.from_array(np.array([3], I64))),
             M("Cast", ["k"], ["kf"], to=F), M("Mul", ["y", "kf"], ["y2"])],
            {"x": rnd([2, 3])}, ["y2"], [init("shape", np.array([2, 3], I64))],
            notes="default value (float 0) and int64 value 3, shape from an initializer")

    # Equal / Not: float and integer comparisons, broadcast, results cast to float
    xe = np.round(rnd([3, 4]) * 2).astype(np.float32)
    op_case("equal_float_bcast", "Equal",
            [M("Equal", ["x", "k"], ["e"]), M("Cast", ["e"], ["y"], to=F)],
            {"x": xe}, ["y"], [init("k", np.array([0, 1, -1, 2], np.float32))], notes="float Equal, [3,4] vs [4]")
    op_case("equal_int_not", "Equal",
            [M("Cast", ["x"], ["xi"], to=TensorProto.INT64), M("Equal", ["xi", "k"], ["e"]),
             M("Not", ["e"], ["ne"]), M("Cast", ["ne"], ["y"], to=F)],
            {"x": xe}, ["y"], [init("k", np.array([[0], [1], [-1]], I64))], notes="int64 Equal [3,4] vs [3,1], then Not")
    op_case("not_bool", "Not",
            [M("Cast", ["x"], ["b"], to=TensorProto.BOOL), M("Not", ["b"], ["nb"]), M("Cast", ["nb"], ["y"], to=F)],
            {"x": np.array([[0, 1.5, 0], [-2, 0, 3]], np.float32)}, ["y"], notes="bool Not")

    # Where: broadcast condition, X and Y; masked_fill pattern
    op_case("where_masked_fill", "Where",
            [M("Equal", ["x", "zero"], ["e"]), M("Not", ["e"], ["c"]), M("Where", ["c", "fill", "x"], ["y"])],
            {"x": np.round(rnd([2, 3, 4]))}, ["y"],
            [init("zero", np.array(0, np.float32)), init("fill", np.array([-100.0], np.float32))],
            notes="Swin's masked_fill(mask != 0, -100): Where(Not(Equal(x, 0)), -100, x)")
    op_case("where_three_shapes", "Where",
            [M("Where", ["cond", "a", "b"], ["y"])],
            {"a": rnd([3, 1]), "b": rnd([1, 4])}, ["y"],
            [init("cond", np.array([[True, False, True, False]]))], notes="condition [1,4] bool, X [3,1], Y [1,4]")
    op_case("where_int", "Where",
            [M("Where", ["cond", "a", "b"], ["w"]), M("Cast", ["w"], ["wf"], to=F), M("Add", ["x", "wf"], ["y"])],
            {"x": rnd([2, 3])}, ["y"],
            [init("cond", np.array([[True], [False]])), init("a", np.array([1, 2, 3], I64)), init("b", np.array(-5, I64))],
            notes="int64 branches")

    # Expand: class-token pattern with the batch taken from Shape, bidirectional broadcast
    op_case("expand_class_token", "Expand",
            [M("Shape", ["x"], ["s"]), M("Gather", ["s", "i0"], ["n"], axis=0), M("Unsqueeze", ["n", "ax0"], ["n1"]),
             M("Concat", ["n1", "m11"], ["target"], axis=0), M("Expand", ["token", "target"], ["t"]),
             M("Concat", ["t", "x"], ["y"], name="concat_tokens", axis=1)],
            {"x": rnd([3, 4, 5]), "token": rnd([1, 1, 5])}, ["y"],
            [init("i0", np.array(0, I64)), init("ax0", np.array([0], I64)), init("m11", np.array([1, 1], I64))],
            notes="class token [1,1,5] expanded to [batch,1,1] (batch from Shape), then Concat")
    op_case("expand_bidirectional", "Expand",
            [M("Expand", ["x", "shape"], ["y"])],
            {"x": rnd([3, 1])}, ["y"], [init("shape", np.array([2, 1, 4], I64))], notes="[3,1] to [2,1,4] gives [2,3,4]")

    # Mod: Python-style integer remainder, C fmod on ints and floats
    xm = np.array([[7, -7, 5, -6], [0, 9, -3, 11]], np.float32)
    op_case("mod_int_python", "Mod",
            [M("Cast", ["x"], ["xi"], to=TensorProto.INT64), M("Mod", ["xi", "k"], ["m"]), M("Cast", ["m"], ["y"], to=F)],
            {"x": xm}, ["y"], [init("k", np.array([3, -3, 4, 4], I64))], notes="fmod 0 int64: divisor's sign")
    op_case("mod_int_fmod", "Mod",
            [M("Cast", ["x"], ["xi"], to=TensorProto.INT64), M("Mod", ["xi", "k"], ["m"], fmod=1),
             M("Cast", ["m"], ["y"], to=F)],
            {"x": xm}, ["y"], [init("k", np.array([3, -3, 4, 4], I64))], notes="fmod 1 int64: dividend's sign")
    op_case("mod_float_fmod", "Mod", [M("Mod", ["a", "b"], ["y"], fmod=1)],
            {"a": rnd([2, 3]) * 5, "b": rnd([3], positive=True) + 0.5}, ["y"], notes="float fmod, [2,3] vs [3]")

    # Range: integer from Shape (Swin window index arithmetic), float
    op_case("range_from_shape", "Range",
            [M("Shape", ["x"], ["s"]), M("Gather", ["s", "i1"], ["n"], axis=0),
             M("Range", ["zero", "n", "one"], ["r"]), M("Cast", ["r"], ["rf"], to=F), M("Add", ["x", "rf"], ["y"])],
            {"x": rnd([2, 5])}, ["y"],
            [init("i1", np.array(1, I64)), init("zero", np.array(0, I64)), init("one", np.array(1, I64))],
            notes="int64 Range(0, x.shape[1], 1) added to x")
    op_case("range_float", "Range",
            [M("Range", ["start", "limit", "delta"], ["r"]), M("Mul", ["x", "r"], ["y"])],
            {"x": rnd([3, 4])}, ["y"],
            [init("start", np.array(1.0, np.float32)), init("limit", np.array(-1.0, np.float32)),
             init("delta", np.array(-0.5, np.float32))], notes="float Range(1, -1, -0.5)")

    # ScatterND: Swin's mask[a:b, c:d] = k slice assignment, and reduction add
    op_case("scatternd_slice_assign", "ScatterND",
            [M("ScatterND", ["x", "idx", "u"], ["y"])],
            {"x": rnd([4, 3]), "u": rnd([2, 3])}, ["y"], [init("idx", np.array([[3], [1]], I64))],
            notes="rows 3 and 1 replaced (indices [2,1], updates [2,3])")
    op_case("scatternd_elements_add", "ScatterND",
            [M("ScatterND", ["x", "idx", "u"], ["y"], reduction="add")],
            {"x": rnd([2, 3, 2]), "u": rnd([3])}, ["y"], [init("idx", np.array([[0, 1, 1], [1, 2, 0], [0, 0, 0]], I64))],
            opset=16, notes="single elements, reduction add (opset 16)")

    # Einsum: MaxViT's attention products, a contraction to a matrix, and a diagonal
    op_case("einsum_attention_scores", "Einsum",
            [M("Einsum", ["q", "k"], ["y"], equation="B G H I D, B G H J D -> B G H I J")],
            {"q": rnd([2, 2, 2, 3, 4]), "k": rnd([2, 2, 2, 5, 4])}, ["y"],
            notes="MaxViT's equation with spaces and capital labels")
    op_case("einsum_matmul_implicit", "Einsum",
            [M("Einsum", ["a", "b"], ["y"], equation="ij,jk")],
            {"a": rnd([3, 4]), "b": rnd([4, 2])}, ["y"], notes="implicit output (ik)")
    op_case("einsum_diagonal_sum", "Einsum",
            [M("Einsum", ["a"], ["y"], equation="ii->i")],
            {"a": rnd([3, 3])}, ["y"], notes="diagonal of one operand")


# ----------------------------------------------------------------------------
# hostile fixtures
# ----------------------------------------------------------------------------

def make_hostile() -> None:
    fresh_dir(HOSTILE)
    cases = []

    def save(name, model_or_bytes, expect, notes, **extra):
        path = os.path.join(HOSTILE, f"{name}.onnx")
        if isinstance(model_or_bytes, bytes):
            data = model_or_bytes
        else:
            data = model_or_bytes.SerializeToString(deterministic=True)
        with open(path, "wb") as f:
            f.write(data)
        c = {"name": name, "model": f"{name}.onnx", "expect": expect}
        c.update(extra)
        c["notes"] = notes
        cases.append(c)

    def model_of(nodes, inputs, outputs, inits=(), opsets=(("", 17),)):
        g = helper.make_graph(nodes, "hostile", inputs, outputs, initializer=list(inits))
        m = helper.make_model(g, opset_imports=[helper.make_opsetid(d, v) for d, v in opsets],
                              producer_name="loupe-fixtures")
        m.ir_version = 8
        return m

    X = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4])
    Y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 4])

    # truncated: the MLP model's bytes cut in half
    with open(os.path.join(MODELS, "mlp_8x8.onnx"), "rb") as f:
        full = f.read()
    save("truncated", full[: len(full) // 2], "truncated",
         "mlp_8x8.onnx bytes cut in half; expect substring is also the file name")

    # unsupported ops
    boxes = helper.make_tensor_value_info("boxes", TensorProto.FLOAT, [1, 4, 4])
    scores = helper.make_tensor_value_info("scores", TensorProto.FLOAT, [1, 1, 4])
    sel = helper.make_tensor_value_info("selected", TensorProto.INT64, None)
    fro = helper.make_tensor_value_info("frob_out", TensorProto.FLOAT, None)
    m = model_of([helper.make_node("NonMaxSuppression", ["boxes", "scores"], ["selected"], name="nms1"),
                  helper.make_node("Frobnicate", ["scores"], ["frob_out"], name="frob1", domain="my.domain")],
                 [boxes, scores], [sel, fro], opsets=(("", 17), ("my.domain", 1)))
    save("unsupported_ops", m, "nms1", "NonMaxSuppression 'nms1' and custom-domain my.domain/Frobnicate "
         "'frob1'; the error must name both", expect_all=["nms1", "frob1"])

    # cyclic
    m = model_of([helper.make_node("Add", ["x", "cyc_t2"], ["cyc_t1"], name="cyc_add_a"),
                  helper.make_node("Add", ["cyc_t1", "x"], ["cyc_t2"], name="cyc_add_b"),
                  helper.make_node("Identity", ["cyc_t2"], ["y"], name="out_id")], [X], [Y])
    save("cyclic", m, "cyc", "Add nodes cyc_add_a/cyc_add_b feed each other (tensors cyc_t1, cyc_t2); "
         "expect substring 'cyc' matches either node/tensor name or the word cycle/cyclic",
         expect_any=["cyc_add_a", "cyc_add_b", "cyc_t1", "cyc_t2"])

    # duplicate outputs
    m = model_of([helper.make_node("Relu", ["x"], ["dup_out"], name="writer_a"),
                  helper.make_node("Neg", ["x"], ["dup_out"], name="writer_b"),
                  helper.make_node("Identity", ["dup_out"], ["y"], name="out_id")], [X], [Y])
    save("duplicate_outputs", m, "dup_out", "nodes writer_a and writer_b both write tensor 'dup_out'")

    # undefined input
    m = model_of([helper.make_node("Add", ["x", "ghost_tensor"], ["y"], name="add_ghost")], [X], [Y])
    save("undefined_input", m, "ghost_tensor", "node add_ghost reads 'ghost_tensor' which nothing defines")

    W_IN = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])
    W_OUT = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 4])

    def mm_model(t):
        return model_of([helper.make_node("MatMul", ["x", t.name], ["y"], name="matmul_w")],
                        [W_IN], [W_OUT], [t])

    # raw_data length mismatch: dims [3,4] need 48 bytes, give 20
    t = TensorProto()
    t.name = "w"
    t.data_type = TensorProto.FLOAT
    t.dims.extend([3, 4])
    t.raw_data = np.arange(5, dtype="<f4").tobytes()
    save("raw_data_mismatch", mm_model(t), "w",
         "initializer 'w' dims [3,4] (48 bytes) but raw_data is 20 bytes")

    t = TensorProto()
    t.name = "neg_w"
    t.data_type = TensorProto.FLOAT
    t.dims.extend([-3, 4])
    t.raw_data = np.zeros(12, dtype="<f4").tobytes()
    save("negative_dim", mm_model(t), "neg_w", "initializer 'neg_w' dims [-3,4]")

    t = TensorProto()
    t.name = "huge_w"
    t.data_type = TensorProto.FLOAT
    t.dims.extend([2 ** 40, 2 ** 40])
    t.raw_data = np.zeros(4, dtype="<f4").tobytes()
    save("overflow_dim", mm_model(t), "huge_w",
         "initializer 'huge_w' dims [2^40,2^40] (element count overflows Int64 byte size) with 16-byte raw_data")

    # external data escapes
    tiny = np.arange(4, dtype="<f4").tobytes()  # 16 bytes
    with open(os.path.join(HOSTILE, "tiny.bin"), "wb") as f:
        f.write(tiny)

    def ext_tensor(name, location, offset, length):
        t = TensorProto()
        t.name = name
        t.data_type = TensorProto.FLOAT
        t.dims.extend([3, 4])
        t.data_location = TensorProto.EXTERNAL
        for k, v in (("location", location), ("offset", str(offset)), ("length", str(length))):
            e = t.external_data.add()
            e.key = k
            e.value = v
        return t

    save("ext_absolute", mm_model(ext_tensor("abs_w", "/etc/passwd", 0, 48)), "abs_w",
         "external data location is the absolute path /etc/passwd")
    save("ext_dotdot", mm_model(ext_tensor("dotdot_w", "../secret.bin", 0, 48)), "dotdot_w",
         "external data location '../secret.bin' escapes the model directory")
    save("ext_past_end", mm_model(ext_tensor("past_w", "tiny.bin", 8, 48)), "past_w",
         "external data offset 8 length 48 beyond committed tiny.bin (16 bytes)")
    # sanity: ORT rejects (or at least does not silently accept) the broken ones
    for c in cases:
        try:
            ort_session(os.path.join(HOSTILE, c["model"]))
            c["_ort"] = "accepted"
        except Exception:
            c["_ort"] = "rejected"
    for c in cases:
        status = c.pop("_ort")
        print(f"hostile {c['name']}: onnxruntime {status}")
    write_json(os.path.join(HOSTILE, "manifest.json"), cases)


def main() -> None:
    np.random.seed(0)
    make_models()
    make_ops()
    make_hostile()
    print("done")


if __name__ == "__main__":
    main()
