#!/usr/bin/env python3
"""Loupe model-matrix fixtures: small versions of the architectures teams attach to reviews.

Makes every committed file under Tests/Fixtures/matrix/:
  <name>.onnx             the network exported the standard way: legacy exporter, opset 17,
                          constant folding on, a dynamic batch axis named "batch";
  <name>.ort_basic.onnx   (transformers only) the same graph after onnxruntime's optimiser at
                          ORT_ENABLE_BASIC, as `SessionOptions.optimized_model_filepath` saves it;
  <name>.x.npy            8 seeded input images (N x 3 x 32 x 32);
  <name>.<variant>.b<N>.npy  onnxruntime's logits for the first N images (N = 1, 3, 8);
  <name>.saliency.npy     PyTorch's input gradient of logit[i, target_i] for the first 3 images;
  vit_2block.gradcam.npy  pytorch-grad-cam's GradCAM of the same targets on the last block's ln_1, patch tokens
                          reshaped to their grid (3 x 32 x 32; needs `pip install grad-cam`);
  swin_1stage.gradcam.npy pytorch-grad-cam's GradCAM of the same targets on the last block's norm1, whose
                          [N, H, W, C] tokens have their channels moved first (3 x 32 x 32);
  manifest.json           what each file is (paths relative to this folder).

Architectures (random weights, few channels, every file under 1 MB), built from torchvision's
own modules: a 2-block ViT, a 1-stage Swin with shifted windows, a 1-stage MaxViT, a ConvNeXt
block, an EfficientNet MBConv with squeeze-excitation, a DenseNet block and a GoogLeNet
Inception block. Batch-norm statistics and layer scales are randomised so no layer is an
identity. Swift tests compare Loupe with these files and never run Python.

Deterministic: every random source is seeded.

Regenerate (from the repository root, with a Python that has torch, torchvision, onnx,
onnxruntime and grad-cam):
  "$LOUPE_PYTHON" Tests/Fixtures/make_model_matrix.py
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
MATRIX = os.path.join(HERE, "matrix")
sys.path.insert(0, HERE)

import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402
import torchvision  # noqa: E402
from torchvision.models import convnext, densenet, efficientnet  # noqa: E402

# `torchvision.models.googlenet` is also the name of a function: import the module by path.
googlenet = importlib.import_module("torchvision.models.googlenet")

warnings.filterwarnings("ignore")

IMAGE = 32
CLASSES = 10
BATCHES = [1, 3, 8]
SALIENCY_BATCH = 3


# ----------------------------------------------------------------------------
# the architectures
# ----------------------------------------------------------------------------

class Wrapped(nn.Module):
    """A stem, the block under test, and a pooled linear head."""

    def __init__(self, stem: nn.Module, block: nn.Module, channels: int):
        super().__init__()
        self.stem = stem
        self.block = block
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(channels, CLASSES)

    def forward(self, x):
        return self.head(torch.flatten(self.pool(self.block(self.stem(x))), 1))


def vit_two_blocks():
    return torchvision.models.VisionTransformer(image_size=IMAGE, patch_size=8, num_layers=2, num_heads=2,
                                                hidden_dim=32, mlp_dim=64, num_classes=CLASSES)


def swin_one_stage():
    # Two blocks: the second shifts its 4x4 windows by 2 on the 8x8 patch grid.
    return torchvision.models.SwinTransformer(patch_size=[4, 4], embed_dim=16, depths=[2], num_heads=[2],
                                              window_size=[4, 4], stochastic_depth_prob=0.0, num_classes=CLASSES)


def maxvit_one_stage():
    return torchvision.models.MaxVit(input_size=(IMAGE, IMAGE), stem_channels=8, partition_size=4,
                                     block_channels=[16], block_layers=[1], head_dim=8,
                                     stochastic_depth_prob=0.0, num_classes=CLASSES)


def convnext_block():
    return convnext.ConvNeXt([convnext.CNBlockConfig(16, None, 2)], stochastic_depth_prob=0.0,
                             layer_scale=0.5, num_classes=CLASSES)


def mbconv_with_se():
    from torchvision.ops.misc import Conv2dNormActivation
    stem = Conv2dNormActivation(3, 16, kernel_size=3, stride=2, activation_layer=nn.SiLU)
    config = efficientnet.MBConvConfig(expand_ratio=4, kernel=3, stride=1, input_channels=16, out_channels=16,
                                       num_layers=1)
    block = efficientnet.MBConv(config, stochastic_depth_prob=0.0, norm_layer=nn.BatchNorm2d)
    return Wrapped(stem, block, 16)


def densenet_block():
    stem = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1, bias=False))
    block = nn.Sequential(densenet._DenseBlock(num_layers=3, num_input_features=16, bn_size=2, growth_rate=8,
                                               drop_rate=0.0),
                          densenet._Transition(16 + 3 * 8, 20), nn.BatchNorm2d(20), nn.ReLU())
    return Wrapped(stem, block, 20)


def inception_block():
    stem = googlenet.BasicConv2d(3, 16, kernel_size=3, padding=1)
    block = googlenet.Inception(16, 8, 8, 12, 4, 6, 6)
    return Wrapped(stem, block, 8 + 12 + 6 + 6)


# name, builder, whether onnxruntime-optimised variants are made (the batch-dependent shape graphs)
ARCHITECTURES = [
    ("vit_2block", vit_two_blocks, True),
    ("swin_1stage", swin_one_stage, True),
    ("maxvit_1stage", maxvit_one_stage, True),
    ("convnext_block", convnext_block, False),
    ("mbconv_se", mbconv_with_se, False),
    ("densenet_block", densenet_block, False),
    ("inception_block", inception_block, False),
]


# ----------------------------------------------------------------------------
# export and references
# ----------------------------------------------------------------------------

def randomise(model: nn.Module, seed: int) -> None:
    """Seeded weights at a scale that keeps activations O(1); non-trivial batch-norm statistics."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() >= 2:
                fan_in = p[0].numel()
                p.copy_(torch.randn(p.shape, generator=g) / fan_in ** 0.5)
            elif "layer_scale" in name:
                p.copy_(0.5 + 0.25 * torch.rand(p.shape, generator=g))
            elif name.endswith("weight"):
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.1 * torch.randn(p.shape, generator=g))
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.copy_(0.1 * torch.randn(m.running_mean.shape, generator=g))
                m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=g))


def strip(model: onnx.ModelProto) -> None:
    """Drop doc strings and metadata (they may carry host paths or stack traces)."""
    model.doc_string = ""
    del model.metadata_props[:]
    for n in model.graph.node:
        n.doc_string = ""
        del n.metadata_props[:]


def write_model(model: onnx.ModelProto, path: str) -> None:
    with open(path, "wb") as f:
        f.write(model.SerializeToString(deterministic=True))


def export(model: nn.Module, path: str) -> None:
    example = torch.zeros(2, 3, IMAGE, IMAGE)
    # Traced with gradients enabled: under no_grad, nn.MultiheadAttention takes a fused fast
    # path that the exporter cannot translate.
    torch.onnx.export(model, (example,), path, dynamo=False, opset_version=17, do_constant_folding=True,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    m = onnx.load(path)
    strip(m)
    write_model(m, path)


def session(path: str, optimised_path: str | None = None, level=None) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    if optimised_path:
        options.optimized_model_filepath = optimised_path
    options.graph_optimization_level = level if level is not None else ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def optimise(path: str, out: str, level) -> None:
    session(path, out, level)
    m = onnx.load(out)
    strip(m)
    write_model(m, out)


def domains(path: str) -> list:
    return sorted({n.domain for n in onnx.load(path).graph.node if n.domain not in ("", "ai.onnx")})


def save(name: str, array: np.ndarray) -> str:
    np.save(os.path.join(MATRIX, name), np.ascontiguousarray(array, dtype=np.float32), allow_pickle=False)
    return name


def vit_grad_cam(model: nn.Module, x: np.ndarray, targets: list) -> np.ndarray:
    """pytorch-grad-cam's GradCAM on the last block's ln_1 with its ViT reshape_transform (class token dropped,
    patch tokens to their square grid): N x H x W maps in [0, 1] at the input size."""
    from pytorch_grad_cam import GradCAM
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

    def reshape_transform(tensor):
        side = int(round((tensor.size(1) - 1) ** 0.5))
        grid = tensor[:, 1:, :].reshape(tensor.size(0), side, side, tensor.size(2))
        return grid.transpose(2, 3).transpose(1, 2)

    with GradCAM(model=model, target_layers=[model.encoder.layers[-1].ln_1], reshape_transform=reshape_transform) as cam:
        return cam(input_tensor=torch.from_numpy(x), targets=[ClassifierOutputTarget(t) for t in targets])


def swin_grad_cam(model: nn.Module, x: np.ndarray, targets: list) -> np.ndarray:
    """pytorch-grad-cam's GradCAM on the last block's norm1 (its Swin recommendation, `layers[-1].blocks[-1].norm1`)
    with a reshape_transform that moves the channels of torchvision's [N, H, W, C] tokens first (no class token):
    N x H x W maps in [0, 1] at the input size."""
    from pytorch_grad_cam import GradCAM
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

    def reshape_transform(tensor):
        return tensor.transpose(2, 3).transpose(1, 2)

    with GradCAM(model=model, target_layers=[model.features[-1][-1].norm1], reshape_transform=reshape_transform) as cam:
        return cam(input_tensor=torch.from_numpy(x), targets=[ClassifierOutputTarget(t) for t in targets])


def main() -> None:
    os.makedirs(MATRIX, exist_ok=True)
    for old in os.listdir(MATRIX):
        os.remove(os.path.join(MATRIX, old))
    torch.manual_seed(0)
    torch.set_num_threads(1)
    cases = []
    for index, (name, build, optimised) in enumerate(ARCHITECTURES):
        torch.manual_seed(100 + index)
        model = build().eval()
        randomise(model, 200 + index)
        path = os.path.join(MATRIX, f"{name}.onnx")
        export(model, path)
        variants = {"standard": f"{name}.onnx"}
        notes = []
        if optimised:
            out = f"{name}.ort_basic.onnx"
            optimise(path, os.path.join(MATRIX, out), ort.GraphOptimizationLevel.ORT_ENABLE_BASIC)
            variants["ort_basic"] = out
            extended = os.path.join(MATRIX, f"{name}.ort_extended.onnx")
            optimise(path, extended, ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED)
            extra = domains(extended)
            if extra:
                notes.append(f"ORT_ENABLE_EXTENDED adds operators of domains {extra} (onnxruntime contrib ops): not kept")
                os.remove(extended)
            else:
                variants["ort_extended"] = f"{name}.ort_extended.onnx"
        x = np.random.default_rng(300 + index).standard_normal((max(BATCHES), 3, IMAGE, IMAGE)).astype(np.float32)
        input_file = save(f"{name}.x.npy", x)
        outputs = {}
        for variant, file in variants.items():
            sess = session(os.path.join(MATRIX, file))
            for batch in BATCHES:
                logits = sess.run(["logits"], {"input": x[:batch]})[0]
                with torch.no_grad():
                    reference = model(torch.from_numpy(x[:batch])).numpy()
                assert np.allclose(logits, reference, rtol=1e-3, atol=1e-4), (name, variant, batch)
                outputs.setdefault(variant, {})[str(batch)] = save(f"{name}.{variant}.b{batch}.npy", logits)
        # Saliency: the input gradient of each image's target logit.
        targets = [(3 * i + 1) % CLASSES for i in range(SALIENCY_BATCH)]
        xs = torch.from_numpy(x[:SALIENCY_BATCH]).clone().requires_grad_(True)
        logits = model(xs)
        logits[torch.arange(SALIENCY_BATCH), torch.tensor(targets)].sum().backward()
        saliency = save(f"{name}.saliency.npy", xs.grad.numpy())
        extra = {}
        if name == "vit_2block":
            extra["gradcam"] = save(f"{name}.gradcam.npy", vit_grad_cam(model, x[:SALIENCY_BATCH], targets))
        if name == "swin_1stage":
            extra["gradcam"] = save(f"{name}.gradcam.npy", swin_grad_cam(model, x[:SALIENCY_BATCH], targets))
        size = max(os.path.getsize(os.path.join(MATRIX, f)) for f in variants.values())
        assert size < 1_000_000, (name, size)
        cases.append({"name": name, "variants": variants, "input": input_file, "batches": BATCHES,
                      "outputs": outputs, "saliency": saliency, "targets": targets, **extra,
                      "parameters": int(sum(p.numel() for p in model.parameters())),
                      "notes": "; ".join(notes)})
        print(f"{name}: {cases[-1]['parameters']} parameters, variants {sorted(variants)}, largest file {size} bytes")
    with open(os.path.join(MATRIX, "manifest.json"), "w") as f:
        json.dump(cases, f, indent=1)
        f.write("\n")
    print("done")


if __name__ == "__main__":
    main()
