"""PyTorch twins of Loupe's committed ONNX model fixtures (for attribution references).

Shared by Tests/Fixtures/make_attribution_fixtures.py and Benchmarks/bench_torch_attribution.py.

Each builder returns a torch module in eval mode whose logits equal onnxruntime's on the
committed ONNX file (checked by `verify_against_ort`). The opset-17 exports folded
BatchNorm into the convolutions, so the torch side is the same architecture with every
BatchNorm replaced by `nn.Identity` and every convolution given a bias; the weights are
copied from the ONNX initializers:

  * ONNX Conv/Gemm nodes are taken in graph order and zipped with the torch Conv2d/Linear
    modules in the order they are *called* during a forward pass (recorded with hooks).
    Every pair is checked for identical weight shape and conv attributes, and the ONNX
    node name (e.g. "/layer1/layer1.0/conv1/Conv") is checked against the torch module
    path as a second, independent guard.
  * `Identity` nodes (the exporter de-duplicates equal initializers) are resolved.

Activations are `nn.ReLU` *modules* (never functional relu, never inplace): Captum's
GuidedBackprop / Deconvolution only hook `nn.ReLU` instances. torchvision's ResNet
BasicBlock calls one `relu` module twice; here each block gets a second module `relu2`
so that every ReLU application is a distinct hooked module (17 in ResNet-18, matching
the 17 ONNX Relu nodes).
"""

from __future__ import annotations

import os
import sys
import types

import numpy as np
import onnx
import torch
import torch.nn as nn
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.dirname(HERE)
MODELS = os.path.join(FIXTURES, "models")
sys.path.insert(0, FIXTURES)
import fixturelib as FL  # noqa: E402

# model key -> case name in models/manifest.json
MODEL_CASES = {
    "cnn": "cnn_opset17",
    "resnet18": "resnet18",
    "mobilenetv3_small": "mobilenetv3_small",
}


# ----------------------------------------------------------------------------
# architectures
# ----------------------------------------------------------------------------

class SmallCNNNoBN(nn.Module):
    """make_fixtures.build_cnn with BatchNorm folded away (conv biases carry it)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.relu1 = nn.ReLU()
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(8, 16, 3)
        self.relu2 = nn.ReLU()          # CAM target layer (its output, 16x12x12)
        self.pool2 = nn.MaxPool2d(2)
        self.flatten = nn.Flatten(1)
        self.fc1 = nn.Linear(16 * 6 * 6, 32)
        self.relu3 = nn.ReLU()
        self.drop = nn.Dropout(0.25)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = self.pool1(self.relu1(self.conv1(x)))
        x = self.pool2(self.relu2(self.conv2(x)))
        x = self.flatten(x)
        x = self.drop(self.relu3(self.fc1(x)))
        return self.fc2(x)


def _biased_conv(c: nn.Conv2d) -> nn.Conv2d:
    return nn.Conv2d(c.in_channels, c.out_channels, c.kernel_size, stride=c.stride,
                     padding=c.padding, dilation=c.dilation, groups=c.groups, bias=True,
                     padding_mode=c.padding_mode)


def _strip_bn(module: nn.Module) -> None:
    """Recursively: BatchNorm -> Identity, Conv2d -> Conv2d with bias, inplace off."""
    for name, child in list(module.named_children()):
        if isinstance(child, nn.BatchNorm2d):
            setattr(module, name, nn.Identity())
        elif isinstance(child, nn.Conv2d):
            setattr(module, name, _biased_conv(child))
        elif isinstance(child, nn.ReLU):
            setattr(module, name, nn.ReLU(inplace=False))
        elif isinstance(child, nn.Hardswish):
            setattr(module, name, nn.Hardswish(inplace=False))
        elif isinstance(child, nn.Hardsigmoid):
            setattr(module, name, nn.Hardsigmoid(inplace=False))
        else:
            _strip_bn(child)


def _basic_block_forward(self, x):
    # torchvision BasicBlock.forward with BN removed and a distinct second ReLU module
    identity = x
    out = self.relu(self.bn1(self.conv1(x)))
    out = self.bn2(self.conv2(out))
    if self.downsample is not None:
        identity = self.downsample(x)
    return self.relu2(out + identity)


def build_resnet18_arch() -> nn.Module:
    import torchvision
    from torchvision.models.resnet import BasicBlock
    net = torchvision.models.resnet18(num_classes=10)
    _strip_bn(net)
    for m in net.modules():
        if isinstance(m, BasicBlock):
            m.relu2 = nn.ReLU(inplace=False)
            m.forward = types.MethodType(_basic_block_forward, m)
    return net


def build_mobilenetv3_small_arch() -> nn.Module:
    import torchvision
    net = torchvision.models.mobilenet_v3_small(num_classes=10)
    _strip_bn(net)
    return net


ARCH = {
    "cnn": SmallCNNNoBN,
    "resnet18": build_resnet18_arch,
    "mobilenetv3_small": build_mobilenetv3_small_arch,
}


def cam_layer(model: nn.Module, key: str) -> nn.Module:
    """Torch module whose forward output is the CAM target tensor."""
    if key == "cnn":
        return model.relu2
    if key == "resnet18":
        return model.layer4[-1]
    if key == "mobilenetv3_small":
        return model.features[-1]
    raise KeyError(key)


# ----------------------------------------------------------------------------
# ONNX side
# ----------------------------------------------------------------------------

def model_case(key: str) -> dict:
    cases = {c["name"]: c for c in FL.load_manifest(MODELS)}
    return cases[MODEL_CASES[key]]


def onnx_path(key: str) -> str:
    case = model_case(key)
    FL.ensure_weights(case, MODELS)          # regenerate resnet18/mobilenet .weights
    return os.path.join(MODELS, case["model"])


def load_onnx(key: str) -> onnx.ModelProto:
    return onnx.load(onnx_path(key))          # loads external data from models/


def _attr(node, name, default):
    for a in node.attribute:
        if a.name == name:
            return onnx.helper.get_attribute_value(a)
    return default


def onnx_param_nodes(model: onnx.ModelProto):
    """[(node, weight ndarray, bias ndarray|None)] for Conv/Gemm nodes in graph order."""
    values = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    for n in model.graph.node:           # resolve Identity(initializer) aliases
        if n.op_type == "Identity" and n.input[0] in values:
            values[n.output[0]] = values[n.input[0]]
    for n in model.graph.node:
        if n.op_type == "Constant":
            values[n.output[0]] = numpy_helper.to_array(n.attribute[0].t)
    out = []
    for n in model.graph.node:
        if n.op_type not in ("Conv", "Gemm"):
            continue
        w = values[n.input[1]]
        b = values[n.input[2]] if len(n.input) > 2 and n.input[2] else None
        if n.op_type == "Gemm":
            assert _attr(n, "alpha", 1.0) == 1.0 and _attr(n, "beta", 1.0) == 1.0, n.name
            assert _attr(n, "transA", 0) == 0, n.name
            if _attr(n, "transB", 0) == 0:
                w = w.T
        out.append((n, np.array(w, dtype=np.float32, order="C"), None if b is None else np.array(b, dtype=np.float32)))
    return out


def forward_param_modules(model: nn.Module, example: torch.Tensor):
    """Conv2d/Linear modules in forward call order, with their qualified names."""
    names = {m: n for n, m in model.named_modules()}
    order = []
    hooks = [m.register_forward_pre_hook(lambda mod, inp: order.append(mod))
             for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        model(example)
    for h in hooks:
        h.remove()
    return [(names[m], m) for m in order]


def _onnx_path_of(node_name: str) -> str:
    # "/layer1/layer1.0/conv1/Conv" -> "layer1.0.conv1"; "/fc1/Gemm" -> "fc1"
    parts = [p for p in node_name.split("/") if p][:-1]
    if not parts:
        return ""
    if len(parts) >= 2 and not parts[-1].startswith(parts[-2] + "."):
        return parts[-2] + "." + parts[-1]
    return parts[-1]


def load_onnx_weights(model: nn.Module, onnx_model: onnx.ModelProto, example: torch.Tensor):
    pairs = onnx_param_nodes(onnx_model)
    mods = forward_param_modules(model, example)
    assert len(pairs) == len(mods), (len(pairs), len(mods))
    for (node, w, b), (tname, mod) in zip(pairs, mods):
        assert tuple(mod.weight.shape) == w.shape, (node.name, tname, w.shape, mod.weight.shape)
        onnx_mod_path = _onnx_path_of(node.name)
        assert onnx_mod_path == "" or ("." + tname).endswith("." + onnx_mod_path), (
            node.name, tname)
        if isinstance(mod, nn.Conv2d):
            assert list(_attr(node, "strides", [1, 1])) == list(mod.stride), node.name
            assert list(_attr(node, "dilations", [1, 1])) == list(mod.dilation), node.name
            assert _attr(node, "group", 1) == mod.groups, node.name
            p = list(_attr(node, "pads", [0, 0, 0, 0]))
            assert p[:2] == p[2:] == list(mod.padding), (node.name, p, mod.padding)
        with torch.no_grad():
            mod.weight.copy_(torch.from_numpy(w))
            if b is None:
                mod.bias.zero_()
            else:
                mod.bias.copy_(torch.from_numpy(b))
    return [(node.name, tname) for (node, _, _), (tname, _) in zip(pairs, mods)]


def build_model(key: str) -> nn.Module:
    """Torch twin of the committed ONNX model `key` with the ONNX weights loaded."""
    case = model_case(key)
    x = np.load(os.path.join(MODELS, case["inputs"]["input"]))
    torch.manual_seed(0)                 # init values are overwritten; seed for tidiness
    model = ARCH[key]()
    model.eval()
    load_onnx_weights(model, load_onnx(key), torch.from_numpy(x[:1]))
    model.eval()
    return model


# ----------------------------------------------------------------------------
# verification helpers
# ----------------------------------------------------------------------------

def ort_session(path: str):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.log_severity_level = 3
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def ort_run(key: str, x: np.ndarray, extra_outputs=()):
    """Run the committed ONNX model; optionally also return intermediate values."""
    path = onnx_path(key)
    if not extra_outputs:
        sess = ort_session(path)
        return sess.run(None, {"input": x})
    m = onnx.load(path)
    for name in extra_outputs:
        m.graph.output.append(onnx.helper.make_empty_tensor_value_info(name))
    # external data resolved by loading; serialise in memory (< 2 GB)
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.log_severity_level = 3
    sess = ort.InferenceSession(m.SerializeToString(), so, providers=["CPUExecutionProvider"])
    return sess.run(None, {"input": x})


def relu_report(model: nn.Module, x: torch.Tensor) -> dict:
    """Count nn.ReLU modules and ReLU module calls in one forward pass."""
    calls = []
    mods = [m for m in model.modules() if isinstance(m, nn.ReLU)]
    hooks = [m.register_forward_hook(lambda mod, i, o: calls.append(mod)) for m in mods]
    with torch.no_grad():
        model(x)
    for h in hooks:
        h.remove()
    return {"relu_modules": len(mods), "relu_calls": len(calls),
            "distinct_called": len(set(map(id, calls)))}


def cam_layer_onnx_name(onnx_model: onnx.ModelProto, key: str) -> str:
    """ONNX value name of the CAM target tensor (the one torch's cam_layer outputs)."""
    nodes = list(onnx_model.graph.node)
    producer = {o: n for n in nodes for o in n.output}
    if key == "cnn":
        # last Relu whose output feeds the MaxPool that feeds Flatten
        flat = [n for n in nodes if n.op_type == "Flatten"][-1]
        pool = producer[flat.input[0]]
        assert pool.op_type == "MaxPool", pool.op_type
        relu = producer[pool.input[0]]
        assert relu.op_type == "Relu", relu.op_type
        return relu.output[0]
    gap = [n for n in nodes if n.op_type == "GlobalAveragePool"][-1]
    src = producer[gap.input[0]]
    want = {"resnet18": "Relu", "mobilenetv3_small": "HardSwish"}[key]
    assert src.op_type == want, (key, src.op_type)
    return src.output[0]


def max_rel(a: np.ndarray, ref: np.ndarray) -> float:
    return float(np.max(np.abs(a - ref)) / max(1.0, float(np.max(np.abs(ref)))))


def verify_against_ort(key: str, model: nn.Module, x: np.ndarray) -> dict:
    """Assert torch logits and CAM-layer activations equal ORT's on x; return stats."""
    om = load_onnx(key)
    lname = cam_layer_onnx_name(om, key)
    logits_ort, layer_ort = ort_run(key, x, extra_outputs=[lname])
    store = {}
    h = cam_layer(model, key).register_forward_hook(lambda m, i, o: store.__setitem__("a", o))
    with torch.no_grad():
        logits = model(torch.from_numpy(x)).numpy()
    h.remove()
    layer = store["a"].detach().numpy()
    d_logits = max_rel(logits, logits_ort)
    d_layer = max_rel(layer, layer_ort)
    assert d_logits <= 1e-4, (key, "logits", d_logits)
    assert d_layer <= 1e-4, (key, "layer", d_layer)
    return {"layer": lname, "layer_shape": list(layer_ort.shape),
            "max_rel_logits": d_logits, "max_rel_layer": d_layer,
            "logits_ort": logits_ort}
