#!/usr/bin/env python3
"""Loupe attribution-method reference fixtures (Captum 0.9.0 / pytorch-grad-cam 1.5.7).

Writes Tests/Fixtures/attribution/{manifest.json,*.npy}. For each of the model fixtures
cnn_opset17, resnet18, mobilenetv3_small a PyTorch twin is built from the committed ONNX
file (attribution/torch_models.py; logits and CAM-layer activations are asserted equal to
onnxruntime's), then every attribution method of docs/attribution.md is run with the
reference library on a small batch, targets = onnxruntime's arg-max classes.

Tolerances: every case carries {"rtol", "atol"} with the rule
    max|actual - expected| <= atol + rtol * max|expected|      (over the whole array)
The rtol floor per method family comes from the brief / docs/attribution.md#tests-and-tolerances; it is raised to
10x the measured float32-vs-float64 discrepancy of the reference itself (recorded as
"f32_vs_f64") when that is larger.

Deterministic: single-threaded, seeded, fixed batch sizes; rerunning gives identical bytes.

Regenerate (from the repository root; needs the model fixtures' .weights, regenerated
automatically from models/manifest.json):
  pip install torch==2.15.0 torchvision==0.29.2 onnx onnxruntime numpy captum==0.9.0 \
      grad-cam==1.5.7 opencv-python-headless
  python Tests/Fixtures/make_attribution_fixtures.py
"""

from __future__ import annotations

import copy
import json
import math
import os
import sys
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "attribution")
sys.path.insert(0, OUT)
import torch_models as TM  # noqa: E402

import torch  # noqa: E402

warnings.filterwarnings("ignore")
os.environ.setdefault("TQDM_DISABLE", "1")

SEED_NOISE = {"cnn": 20261128, "resnet18": 20261129, "mobilenetv3_small": 20261129}
NT_SAMPLES = 5
NT_STDEV = 1.0          # Captum NoiseTunnel default `stdevs`; inputs are N(0,1)
BATCH = {"cnn": 4, "resnet18": 2, "mobilenetv3_small": 2}
INPUT_SOURCE = {"cnn": "cnn", "resnet18": "resnet18", "mobilenetv3_small": "resnet18"}
OCCLUSION = {"cnn": ((1, 5, 5), (1, 3, 3)),
             "resnet18": ((3, 8, 8), (3, 4, 4)),
             "mobilenetv3_small": ((3, 8, 8), (3, 4, 4))}
OCCLUSION_PER_EVAL = 16

# rtol floors per family (relative to max|expected| of the case)
RTOL_GRAD = 1e-3        # float32 reverse-mode gradient methods (brief: 1e-3 of max|ref|)
RTOL_OCC = 1e-3         # differences of float32 logits
RTOL_CAM = 1e-3         # normalised [0,1] CAM maps (docs/attribution.md: 1e-5 cv2 resize + f32 noise)
LIB_VERSIONS = {}


def save_npy(name: str, arr) -> str:
    arr = np.ascontiguousarray(np.asarray(arr, dtype=np.float32))
    assert np.all(np.isfinite(arr)), name
    np.save(os.path.join(OUT, name), arr, allow_pickle=False)
    return name


def nice_up(v: float) -> float:
    """Round v up to 1, 2 or 5 x 10^k."""
    if v <= 0:
        return 0.0
    e = math.floor(math.log10(v))
    for m in (1, 2, 5, 10):
        if m * 10 ** e >= v * (1 - 1e-12):
            return float(f"{m * 10 ** e:.0e}")
    return float(f"{10 ** (e + 1):.0e}")


def rel_err(a, ref) -> float:
    a = np.asarray(a, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    m = float(np.max(np.abs(ref)))
    return float(np.max(np.abs(a - ref)) / m) if m > 0 else float(np.max(np.abs(a)))


# ----------------------------------------------------------------------------
# method runners: fn(model, x(tensor), targets(list), ctx) -> np.ndarray
# ----------------------------------------------------------------------------

def compact_json(cases) -> str:
    """One case per block, one key per line, values (lists/dicts) on one line."""
    out = ["["]
    for i, c in enumerate(cases):
        out.append(" {")
        items = list(c.items())
        for j, (k, v) in enumerate(items):
            sep = "," if j < len(items) - 1 else ""
            out.append(f"  {json.dumps(k)}: {json.dumps(v)}{sep}")
        out.append(" }" + ("," if i < len(cases) - 1 else ""))
    out.append("]")
    return "\n".join(out) + "\n"


def t_targets(targets):
    return torch.tensor(targets, dtype=torch.long)


def run_saliency(model, x, targets, ctx):
    from captum.attr import Saliency
    return Saliency(model).attribute(x, target=t_targets(targets), abs=False).detach().numpy()


def run_ixg(model, x, targets, ctx):
    from captum.attr import InputXGradient
    return InputXGradient(model).attribute(x, target=t_targets(targets)).detach().numpy()


def make_ig(method, n_steps):
    def run(model, x, targets, ctx):
        from captum.attr import IntegratedGradients
        attr, delta = IntegratedGradients(model).attribute(
            x, baselines=torch.zeros_like(x), target=t_targets(targets), n_steps=n_steps,
            method=method, return_convergence_delta=True)
        ctx["delta"] = delta.detach().numpy().astype(np.float64)
        return attr.detach().numpy()
    return run


def noisy_saliency_stack(model, x, targets, noise):
    """Captum Saliency(abs=False) on x + noise[s] for each s: [S, N, C, H, W]."""
    from captum.attr import Saliency
    sal = Saliency(model)
    eps = torch.from_numpy(noise).to(x.dtype)
    outs = [sal.attribute(x + eps[s], target=t_targets(targets), abs=False).detach()
            for s in range(eps.shape[0])]
    return torch.stack(outs, 0)


def make_nt(kind):
    def run(model, x, targets, ctx):
        a = noisy_saliency_stack(model, x, targets, ctx["noise"])
        n = a.shape[0]
        mean = a.sum(0) * (1 / n)                    # Captum's order of operations
        msq = torch.pow(a, 2).sum(0) * (1 / n)
        if kind == "smoothgrad":
            r = mean
        elif kind == "smoothgrad_sq":
            r = msq
        else:
            r = msq - mean * mean
        return r.numpy()
    return run


def run_gbp(model, x, targets, ctx):
    from captum.attr import GuidedBackprop
    return GuidedBackprop(model).attribute(x, target=t_targets(targets)).detach().numpy()


def run_deconv(model, x, targets, ctx):
    from captum.attr import Deconvolution
    return Deconvolution(model).attribute(x, target=t_targets(targets)).detach().numpy()


def run_occlusion(model, x, targets, ctx):
    from captum.attr import Occlusion
    win, stride = OCCLUSION[ctx["key"]]
    with torch.no_grad():
        return Occlusion(model).attribute(
            x, sliding_window_shapes=win, strides=stride, baselines=0,
            target=t_targets(targets), perturbations_per_eval=OCCLUSION_PER_EVAL).numpy()


def run_gradcam_raw(model, x, targets, ctx):
    from captum.attr import LayerGradCam
    layer = TM.cam_layer(model, ctx["key"])
    return LayerGradCam(model, layer).attribute(
        x, target=t_targets(targets), relu_attributions=False).detach().numpy()


def run_guided_gradcam(model, x, targets, ctx):
    from captum.attr import GuidedGradCam
    layer = TM.cam_layer(model, ctx["key"])
    return GuidedGradCam(model, layer).attribute(
        x, target=t_targets(targets)).detach().numpy()


def make_pgc(cls_name):
    def run(model, x, targets, ctx):
        import pytorch_grad_cam as P
        from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
        cls = getattr(P, cls_name)
        if cls_name == "ScoreCAM":            # silence the progress bar (stderr only)
            import types
            import pytorch_grad_cam.score_cam as sc
            sc.tqdm = types.SimpleNamespace(tqdm=lambda it, **kw: it)
        layer = TM.cam_layer(model, ctx["key"])
        with cls(model=model, target_layers=[layer]) as cam:
            out = cam(input_tensor=x, targets=[ClassifierOutputTarget(int(c)) for c in targets])
            if cls_name == "EigenCAM":
                ctx["eigen"] = eigen_details(cam, x, ctx)
        return np.asarray(out)
    return run


def eigen_details(cam, x, ctx):
    """Low-res projection p (library sign), and the map the opposite sign would give."""
    from pytorch_grad_cam.utils.image import scale_cam_image
    from pytorch_grad_cam.utils.svd_on_activations import get_2d_projection
    acts = cam.activations_and_grads.activations[0].cpu().numpy()
    p = get_2d_projection(acts)                     # (N, h, w) float32, library sign
    size = (x.shape[-1], x.shape[-2])

    def pipeline(proj):
        c = np.maximum(proj, 0)
        c = scale_cam_image(c, size)[:, None]
        c = np.maximum(c, 0).mean(axis=1)
        return scale_cam_image(c)
    # singular-value gap (first PC well defined?)
    gaps = []
    for a in acts:
        r = a.reshape(a.shape[0], -1).T.astype(np.float64)
        r = r - r.mean(0)
        s = np.linalg.svd(r, compute_uv=False)
        gaps.append(float(s[1] / s[0]) if s[0] > 0 else 1.0)
    corrected = [bool(abs(pi.min()) > abs(pi.max())) for pi in p]   # SegEigenCAM flips these
    return {"p": p, "same": pipeline(p), "alt": pipeline(-p), "sv_ratio": gaps,
            "sign_correction_flips": corrected}


# ----------------------------------------------------------------------------
# case table
# ----------------------------------------------------------------------------

def case_table(key):
    win, stride = OCCLUSION[key]
    grad = ("grad", RTOL_GRAD)
    cam = ("cam", RTOL_CAM)
    rows = [
        ("saliency", "saliency", "captum.Saliency(abs=False)", run_saliency, {"abs": False},
         grad, False),
        ("input_x_gradient", "input-x-gradient", "captum.InputXGradient", run_ixg, {}, grad,
         False),
        ("ig_gl50", "integrated-gradients",
         "captum.IntegratedGradients(multiply_by_inputs=True)",
         make_ig("gausslegendre", 50),
         {"n_steps": 50, "method": "gausslegendre", "baseline": 0.0,
          "internal_batch_size": None}, grad, False),
    ]
    if key == "cnn":
        rows.append(("ig_trap10", "integrated-gradients",
                     "captum.IntegratedGradients(multiply_by_inputs=True)",
                     make_ig("riemann_trapezoid", 10),
                     {"n_steps": 10, "method": "riemann_trapezoid", "baseline": 0.0,
                      "internal_batch_size": None}, grad, False))
    nt_opts = {"nt_samples": NT_SAMPLES, "stdevs": NT_STDEV, "abs": False,
               "noise_layout": "[samples, N, C, H, W]; noisy input s = float32(x + noise[s])",
               "wrapped": "captum.Saliency(abs=False)"}
    rows += [
        ("smoothgrad", "smoothgrad", "captum.NoiseTunnel(Saliency(abs=False), nt_type='smoothgrad')"
         " with fixed noise", make_nt("smoothgrad"), dict(nt_opts, nt_type="smoothgrad"), grad,
         True),
        ("smoothgrad_sq", "smoothgrad-sq", "captum.NoiseTunnel(Saliency(abs=False), "
         "nt_type='smoothgrad_sq') with fixed noise", make_nt("smoothgrad_sq"),
         dict(nt_opts, nt_type="smoothgrad_sq"), grad, True),
        ("vargrad", "vargrad", "captum.NoiseTunnel(Saliency(abs=False), nt_type='vargrad') "
         "with fixed noise", make_nt("vargrad"), dict(nt_opts, nt_type="vargrad"), grad, True),
        ("guided_backprop", "guided-backprop", "captum.GuidedBackprop", run_gbp, {}, grad, False),
        ("deconvnet", "deconvnet", "captum.Deconvolution", run_deconv, {}, grad, False),
        ("occlusion", "occlusion", "captum.Occlusion", run_occlusion,
         {"sliding_window_shapes": list(win), "strides": list(stride), "baselines": 0.0,
          "perturbations_per_eval": OCCLUSION_PER_EVAL}, ("occ", RTOL_OCC), False),
        ("grad_cam_raw", "grad-cam-raw", "captum.LayerGradCam(relu_attributions=False)",
         run_gradcam_raw, {"relu_attributions": False, "attribute_to_layer_input": False,
                           "output": "low-res [N,1,h,w], signed, un-normalised"}, grad, False),
        ("guided_grad_cam", "guided-grad-cam", "captum.GuidedGradCam", run_guided_gradcam,
         {"interpolate_mode": "nearest", "cam": "ReLU(LayerGradCam), un-normalised"}, grad,
         False),
    ]
    # Extra cases with a different target per image (the arg-max targets happen to be one
    # class for all images of a model), to catch per-image target indexing bugs.
    mixed = {"cnn": [0, 3, 6, 9], "resnet18": [0, 5], "mobilenetv3_small": [1, 7]}[key]
    if key == "cnn":
        rows.append(("saliency_mixed_targets", "saliency", "captum.Saliency(abs=False)",
                     run_saliency, {"abs": False}, grad, False, mixed))
    rows.append(("grad_cam_raw_mixed_targets", "grad-cam-raw",
                 "captum.LayerGradCam(relu_attributions=False)", run_gradcam_raw,
                 {"relu_attributions": False, "attribute_to_layer_input": False,
                  "output": "low-res [N,1,h,w], signed, un-normalised"}, grad, False, mixed))
    pgc_opts = {"targets": "ClassifierOutputTarget(c)", "aug_smooth": False,
                "eigen_smooth": False,
                "pipeline": "cam -> ReLU -> N-cam (eps 1e-7) -> cv2.resize INTER_LINEAR to "
                            "input HxW -> max(.,0) -> mean over 1 layer -> N-cam"}
    rows += [
        ("grad_cam", "grad-cam", "pytorch_grad_cam.GradCAM", make_pgc("GradCAM"),
         dict(pgc_opts), cam, False),
        ("grad_cam_pp", "grad-cam-plus-plus", "pytorch_grad_cam.GradCAMPlusPlus",
         make_pgc("GradCAMPlusPlus"), dict(pgc_opts), cam, False),
        ("layer_cam", "layer-cam", "pytorch_grad_cam.LayerCAM", make_pgc("LayerCAM"),
         dict(pgc_opts), cam, False),
        ("score_cam", "score-cam", "pytorch_grad_cam.ScoreCAM", make_pgc("ScoreCAM"),
         dict(pgc_opts, batch_size=16,
              upsample="UpsamplingBilinear2d (align_corners=True) for masks"), cam, False),
        ("eigen_cam", "eigen-cam", "pytorch_grad_cam.EigenCAM", make_pgc("EigenCAM"),
         dict(pgc_opts, targets="ignored (class-agnostic)"), cam, False),
    ]
    return rows


# ----------------------------------------------------------------------------
# main
# ----------------------------------------------------------------------------

def setup_determinism():
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    try:
        import cv2
        cv2.setNumThreads(1)
    except ImportError:
        pass


def captum_noise(key, shape):
    """Exactly the noise Captum's NoiseTunnel draws after torch.manual_seed(seed):
    torch.normal(0, stdev) of shape [N*S, ...] in (example, sample) order; returned as
    [S, N, ...]."""
    n = shape[0]
    torch.manual_seed(SEED_NOISE[key])
    std = torch.tensor(NT_STDEV).repeat((n * NT_SAMPLES,) + tuple(shape[1:]))
    noise = torch.normal(0, std)
    return noise.view((n, NT_SAMPLES) + tuple(shape[1:])).transpose(0, 1).contiguous().numpy()


def check_noise_tunnel(model, x, targets, key, ours):
    """Our fixed-noise statistics == Captum NoiseTunnel with the same torch seed."""
    from captum.attr import NoiseTunnel, Saliency
    worst = 0.0
    for nt_type, name in (("smoothgrad", "smoothgrad"), ("smoothgrad_sq", "smoothgrad_sq"),
                          ("vargrad", "vargrad")):
        torch.manual_seed(SEED_NOISE[key])
        ref = NoiseTunnel(Saliency(model)).attribute(
            x, nt_type=nt_type, nt_samples=NT_SAMPLES, stdevs=NT_STDEV,
            target=t_targets(targets), abs=False).detach().numpy()
        e = rel_err(ours[name], ref)
        assert e < 1e-4, (key, nt_type, e)
        worst = max(worst, e)
    return worst


# Omitted to keep the folder under ~3 MB: MobileNetV3 occlusion (forward passes only, no op
# coverage beyond the ResNet case) and MobileNetV3 guided-grad-cam (= the MobileNet
# guided-backprop fixture times the nearest-upsampled ReLU of its grad-cam-raw fixture).
SKIP = {("mobilenetv3_small", "occlusion"), ("mobilenetv3_small", "guided_grad_cam")}


def main():
    global OUT
    if len(sys.argv) > 2 and sys.argv[1] == "--out":      # for determinism checks
        OUT = os.path.abspath(sys.argv[2])
    import captum
    import cv2
    import onnx
    import onnxruntime
    import pytorch_grad_cam  # noqa: F401
    import torchvision
    from importlib.metadata import version
    setup_determinism()
    LIB_VERSIONS.update({"torch": torch.__version__, "torchvision": torchvision.__version__,
                         "captum": captum.__version__, "grad-cam": version("grad-cam"),
                         "opencv": cv2.__version__, "onnx": onnx.__version__,
                         "onnxruntime": onnxruntime.__version__, "numpy": np.__version__})
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if f.endswith(".npy") or f == "manifest.json":
            os.remove(os.path.join(OUT, f))

    cases = []
    shared_noise = {}
    for key in ("cnn", "resnet18", "mobilenetv3_small"):
        mcase = TM.model_case(key)
        x_all = np.load(os.path.join(TM.MODELS, mcase["inputs"]["input"]))
        model = TM.build_model(key)
        full = TM.verify_against_ort(key, model, x_all)           # whole fixture input
        x_np = np.ascontiguousarray(np.load(os.path.join(
            TM.MODELS, TM.model_case(INPUT_SOURCE[key])["inputs"]["input"])))
        ver = TM.verify_against_ort(key, model, x_np)             # attribution batch
        argmax_targets = [int(c) for c in np.argmax(ver["logits_ort"], axis=1)]
        targets = argmax_targets
        relu = TM.relu_report(model, torch.from_numpy(x_np))
        assert relu["relu_calls"] == relu["distinct_called"] == relu["relu_modules"], relu
        n_onnx_relu = sum(1 for n in TM.load_onnx(key).graph.node if n.op_type == "Relu")
        assert n_onnx_relu == relu["relu_calls"], (key, n_onnx_relu, relu)
        print(f"{key}: torch==ORT logits {full['max_rel_logits']:.2e} layer "
              f"{full['max_rel_layer']:.2e}; targets {targets}; layer {ver['layer']} "
              f"{ver['layer_shape']}; ReLU modules {relu['relu_modules']}", flush=True)

        # Inputs are committed model-fixture files (no duplicate copies): the CNN uses its 4
        # fixture images, ResNet-18 its 2; MobileNetV3 uses the SAME 2 images as ResNet-18
        # (its own fixture holds 4), so both 3x64x64 models share input and noise files.
        src = TM.model_case(INPUT_SOURCE[key])
        input_file = "../models/" + src["inputs"]["input"]
        x_src = np.load(os.path.join(TM.MODELS, src["inputs"]["input"]))
        assert x_src.shape[0] == BATCH[key]
        noise = captum_noise(key, x_np.shape)
        nkey = tuple(x_np.shape)
        if nkey in shared_noise and np.array_equal(shared_noise[nkey][1], noise):
            noise_file = shared_noise[nkey][0]
        else:
            noise_file = save_npy("noise_" + "x".join(map(str, noise.shape)) + ".npy", noise)
            shared_noise[nkey] = (noise_file, noise)

        model64 = copy.deepcopy(model).double().eval()
        x32 = torch.from_numpy(x_np)
        x64 = x32.double()
        model_file = "../models/" + mcase["model"]
        ours = {}
        for row in case_table(key):
            cname, method, reference, fn, opts, (family, rtol_floor), uses_noise = row[:7]
            if (key, cname) in SKIP:
                continue
            targets = row[7] if len(row) > 7 else argmax_targets
            ctx32 = {"key": key, "noise": noise}
            ctx64 = {"key": key, "noise": noise}
            a32 = fn(model, x32, targets, ctx32)
            a64 = fn(model64, x64, targets, ctx64)
            ours[cname] = a32
            extra = {}
            notes = []
            if cname == "eigen_cam":
                e32, e64 = ctx32["eigen"], ctx64["eigen"]
                assert np.array_equal(e32["same"], a32), "EigenCAM pipeline re-implementation"
                # sign-invariant float64 comparison (per image, pick the matching sign)
                d = 0.0
                for i in range(a32.shape[0]):
                    d = max(d, min(rel_err(e32["p"][i], e64["p"][i]),
                                   rel_err(e32["p"][i], -e64["p"][i])))
                d64 = d
                # The opposite-sign map is only needed where Loupe's sign-corrected port
                # differs from the library's sign; written only then (keeps fixtures small).
                extra["expected_alt"] = (save_npy(f"{key}_{cname}_altsign.npy", e32["alt"])
                                         if any(e32["sign_correction_flips"]) else None)
                extra["projection"] = save_npy(f"{key}_{cname}_projection.npy", e32["p"])
                opts = dict(opts, library_sign_projection_flipped_by_seg_correction=
                            e32["sign_correction_flips"],
                            singular_value_ratio_s2_over_s1=[round(v, 6) for v in e32["sv_ratio"]])
                notes.append(
                    "EigenCAM: compare SIGN-INVARIANTLY. The first right-singular vector's sign is "
                    "LAPACK-dependent. 'projection' is the library's low-res pre-ReLU projection p "
                    "[N,h,w] (float32 LAPACK sign); per image match p or -p (tol 1e-5 relative, "
                    "docs/attribution.md#tests-and-tolerances), then compare the final map with 'expected' if the sign agrees "
                    "with p, else with 'expected_alt' (the same pipeline run on -p). "
                    "'library_sign_projection_flipped_by_seg_correction'[i] = true means Loupe's "
                    "sign-corrected port (negate when |min p| > |max p|) should match "
                    "'expected_alt' for image i; when all are false (as generated here) the "
                    "sign-corrected port must match 'expected' directly and expected_alt is null.")
            else:
                d64 = rel_err(a32, a64)
            rtol = max(rtol_floor, nice_up(10 * d64))
            if family == "cam":
                atol = 1e-5          # cv2 bilinear resize tolerance (docs/attribution.md#tests-and-tolerances)
            else:
                atol = 0.0
            if cname.startswith("ig_"):
                delta = ctx32["delta"]
                with torch.no_grad():
                    f = model(x32).double().numpy()
                    f0 = model(torch.zeros_like(x32)).double().numpy()
                df = np.array([f[i, c] - f0[i, c] for i, c in enumerate(targets)])
                opts = dict(opts, convergence_delta=[float(f"{v:.6e}") for v in delta],
                            f_x_minus_f_baseline=[float(f"{v:.6e}") for v in df],
                            relative_delta=[float(f"{abs(a) / abs(b):.6e}") if b != 0 else None
                                            for a, b in zip(delta, df)])
                if opts["method"] == "riemann_trapezoid":
                    notes.append("Captum riemann_trapezoid weights sum to 1 - 1/n = 0.9 "
                                 "(docs/attribution.md#quadrature-rules), so completeness is not expected.")
                notes.append("convergence_delta = sum(IG) - (f_c(x) - f_c(0)) per image "
                             "(Captum compute_convergence_delta).")
            if cname == "occlusion":
                notes.append("Window includes the channel dim; last window per axis cropped; "
                             "attribution = mean over covering windows of f_c(x) - f_c(x_occluded).")
                if key != "cnn":
                    notes.append("Window spans all 3 channels, so all channels carry the same map.")
            if cname == "guided_grad_cam":
                notes.append("= GuidedBackprop(x) * nearest-upsampled ReLU(LayerGradCam) "
                             "(raw, un-normalised), CAM broadcast over input channels.")
            if len(row) > 7:
                notes.append("Targets are NOT the arg-max: a different class per image, to "
                             "exercise per-image target selection.")
            else:
                notes.append("Targets = onnxruntime arg-max per image.")
            if cname in ("guided_backprop", "deconvnet", "guided_grad_cam"):
                notes.append(f"Rule applies to the {relu['relu_modules']} nn.ReLU modules = the "
                             f"{n_onnx_relu} ONNX Relu nodes; Hardswish/Hardsigmoid keep ordinary "
                             "gradients.")
            if family == "cam" and cname != "eigen_cam":
                notes.append("Input-resolution map [N,H,W] in [0,1].")
            if uses_noise:
                notes.append(
                    f"Deterministic SmoothGrad: noise[s, n] is exactly what Captum NoiseTunnel draws "
                    f"after torch.manual_seed({SEED_NOISE[key]}) (stdevs={NT_STDEV}, nt_samples="
                    f"{NT_SAMPLES}); statistics = Captum's (sum * 1/n; vargrad = E[a^2] - E[a]^2, "
                    f"population). Checked against NoiseTunnel itself.")
            expected = save_npy(f"{key}_{cname}.npy", a32)
            case = {
                "name": f"{key}_{cname}",
                "model": model_file,
                "model_case": mcase["name"],
                "method": method,
                "reference": reference,
                "input": input_file,
                "targets": targets,
                "layer": ver["layer"] if "cam" in cname else None,
                "options": opts,
                "expected": expected,
                "noise": noise_file if uses_noise else None,
                "tolerance": {"rtol": rtol, "atol": atol},
                "f32_vs_f64": float(f"{d64:.3e}"),
                "shape": list(a32.shape),
                "notes": " ".join(notes),
                "torch_twin": {"relu_modules": relu["relu_modules"], "functional_relu": 0,
                               "onnx_relu_nodes": n_onnx_relu,
                               "max_rel_logits_vs_ort": float(f"{full['max_rel_logits']:.3e}"),
                               "max_rel_layer_vs_ort": float(f"{full['max_rel_layer']:.3e}")},
            }
            case.update(extra)
            cases.append(case)
            print(f"  {cname:18s} {str(list(a32.shape)):18s} max|a|={np.max(np.abs(a32)):.3e} "
                  f"f32vsf64={d64:.2e} rtol={rtol:g}", flush=True)
        nt_check = check_noise_tunnel(model, x32, argmax_targets, key, ours)
        print(f"  NoiseTunnel cross-check max rel {nt_check:.2e}", flush=True)

    meta = {"generated_by": "Tests/Fixtures/make_attribution_fixtures.py",
            "library_versions": LIB_VERSIONS}
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        f.write(compact_json(cases))
    with open(os.path.join(OUT, "versions.json"), "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"{len(cases)} cases, {total} bytes in {OUT}")


if __name__ == "__main__":
    main()
