"""Writes the hand-made crasher inputs of issue 19 (each refused now; kept so they stay refused).

Inputs the fuzzer finds are copied here as libFuzzer wrote them (`crash-<sha1>`, `oom-...`,
`timeout-...`); this script only makes the ones a person described. Run with a Python that has
numpy and onnx: `python Tests/Fixtures/crashers/make_crashers.py` (writes next to this script).
"""
import gzip
import io
import os
import zipfile

import numpy as np
import onnx
from onnx import TensorProto, helper

here = os.path.dirname(os.path.abspath(__file__))


def save_model(name, nodes, inputs, initializers=(), opset=13):
    output = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    graph = helper.make_graph(nodes, name, inputs, [output], initializer=list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="make_crashers")
    model.ir_version = 8
    onnx.save(model, os.path.join(here, "onnx", name + ".onnx"))


image_input = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 1, 28, 28])
# Pad with pads of 2^20 on both spatial axes: infer used to allocate 8 TB and abort.
big = 1 << 20
save_model("pad_2pow20", [helper.make_node("Pad", ["x", "pads"], ["y"], name="pad_huge")], [image_input],
           [helper.make_tensor("pads", TensorProto.INT64, [8], [0, 0, big, big, 0, 0, big, big])])
# Resize with scales of 1e6 on both spatial axes.
save_model("resize_scales_1e6", [helper.make_node("Resize", ["x", "", "scales"], ["y"], name="resize_huge")], [image_input],
           [helper.make_tensor("scales", TensorProto.FLOAT, [4], [1, 1, 1e6, 1e6])])
# MaxPool over an input declared [batch, 1, 200000000, 28]: inspect used to allocate 1.6 GB.
save_model("maxpool_declared_200M_rows",
           [helper.make_node("MaxPool", ["x"], ["y"], name="pool", kernel_shape=[2, 2], strides=[2, 2])],
           [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 1, 200000000, 28])])
# An input dimension of 2^31: ran for 30 s and grew past 11 GB.
save_model("input_dim_2pow31", [helper.make_node("Relu", ["x"], ["y"], name="relu")],
           [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3, 1 << 31, 28])])

# Range(0, 2^27, 1) folded while planning: 1 GB of int64 before the plan's budget check saw it.
save_model("range_2pow27", [helper.make_node("Range", ["start", "limit", "delta"], ["r"], name="range_huge"),
                            helper.make_node("Cast", ["r"], ["rf"], name="cast", to=TensorProto.FLOAT),
                            helper.make_node("Add", ["x", "rf"], ["y"], name="add")],
           [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
           [helper.make_tensor("start", TensorProto.INT64, [], [0]),
            helper.make_tensor("limit", TensorProto.INT64, [], [1 << 27]),
            helper.make_tensor("delta", TensorProto.INT64, [], [1])])

# An NPZ member whose .npy header declares 8 bytes of data, followed by 8 MiB of deflated zeros:
# was refused only after inflating all of it.
header = io.BytesIO()
np.save(header, np.zeros(2, dtype=np.float32))
with zipfile.ZipFile(os.path.join(here, "npy", "npz_trailing_bytes.npz"), "w", zipfile.ZIP_DEFLATED) as archive:
    info = zipfile.ZipInfo("x.npy", date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, header.getvalue() + bytes(8 << 20))

# A gzipped IDX image file whose header declares one 1x1 image, followed by 8 MiB of zeros
# (a gzip bomb behind a small header): reached 4.2 GB at full size.
idx_header = bytes([0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0])
with open(os.path.join(here, "image", "idx_gzip_bomb.gz"), "wb") as handle:
    handle.write(gzip.compress(idx_header + bytes(8 << 20), compresslevel=9, mtime=0))

# 7,000 nested arrays: a recursive JSON parser without a depth limit overflows its stack.
with open(os.path.join(here, "config", "deep_nesting.json"), "w") as handle:
    handle.write('{"jobs": ' + "[" * 7000 + "]" * 7000 + "}")
