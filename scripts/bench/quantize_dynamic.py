"""Dynamic int8 quantization of an ONNX model for the bench's session-options section (bench only).

Usage: python scripts/bench/quantize_dynamic.py IN.onnx OUT.onnx
Weights int8 (QInt8, per tensor); activations quantized at run time (ConvInteger / MatMulInteger).
"""
import sys

from onnxruntime.quantization import QuantType, quantize_dynamic

src, dst = sys.argv[1], sys.argv[2]
quantize_dynamic(src, dst, weight_type=QuantType.QInt8)
print(dst)
