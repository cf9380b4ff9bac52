"""A wide MLP with external data for the model-size measurements in the README (Reliability / Model size).
Usage: /usr/bin/python3 tools/make_wide_model.py WIDTH OUT_DIR   (WIDTH 150000: 0.96 GB; 360000: 2.3 GB)"""
import numpy as np, onnx
from onnx import helper, TensorProto, numpy_helper
import sys, os; W = int(sys.argv[1]); os.chdir(sys.argv[2])
rng = np.random.default_rng(0)
def t(name, arr):
    return numpy_helper.from_array(arr.astype(np.float32), name)
w1a = (rng.standard_normal((784, W), dtype=np.float32) * 0.01)
w1b = (rng.standard_normal((784, W), dtype=np.float32) * 0.01)
w2a = (rng.standard_normal((W, 16), dtype=np.float32) * 0.01)
w2b = (rng.standard_normal((W, 16), dtype=np.float32) * 0.01)
w3 = (rng.standard_normal((16, 10), dtype=np.float32) * 0.1)
nodes = [helper.make_node("MatMul", ["input", "w1a"], ["h1a"], name="/fc1a/MatMul"), helper.make_node("Relu", ["h1a"], ["r1a"]),
         helper.make_node("MatMul", ["input", "w1b"], ["h1b"], name="/fc1b/MatMul"), helper.make_node("Relu", ["h1b"], ["r1b"]),
         helper.make_node("MatMul", ["r1a", "w2a"], ["h2a"], name="/fc2a/MatMul"), helper.make_node("MatMul", ["r1b", "w2b"], ["h2b"], name="/fc2b/MatMul"),
         helper.make_node("Add", ["h2a", "h2b"], ["h2"]), helper.make_node("Relu", ["h2"], ["r2"]),
         helper.make_node("MatMul", ["r2", "w3"], ["output"], name="/fc3/MatMul")]
g = helper.make_graph(nodes, "wide", [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 784])],
                      [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["N", 10])],
                      [t("w1a", w1a), t("w1b", w1b), t("w2a", w2a), t("w2b", w2b), t("w3", w3)])
m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]); m.ir_version = 7
onnx.save_model(m, "wide.onnx", save_as_external_data=True, all_tensors_to_one_file=True, location="wide.onnx.data", size_threshold=1024)
