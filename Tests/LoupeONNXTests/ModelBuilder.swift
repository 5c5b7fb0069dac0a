import Foundation
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import SwiftProtobuf
import XCTest

/// Builders for small ONNX models made with the generated protobuf types.
enum Build {
    static func floatTensor(_ name: String, _ dims: [Int64], _ values: [Float], raw: Bool = true) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = dims
        t.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        if raw {
            t.rawData = values.withUnsafeBufferPointer { Data(buffer: $0) }
        } else {
            t.floatData = values
        }
        return t
    }

    static func int64Tensor(_ name: String, _ dims: [Int64], _ values: [Int64]) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = dims
        t.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue)
        t.int64Data = values
        return t
    }

    static func rawTensor(_ name: String, _ type: Onnx_TensorProto.DataType, _ dims: [Int64], _ bytes: [UInt8]) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = dims
        t.dataType = Int32(type.rawValue)
        t.rawData = Data(bytes)
        return t
    }

    static func node(_ name: String, _ op: String, _ inputs: [String], _ outputs: [String], domain: String = "",
                     attributes: [Onnx_AttributeProto] = []) -> Onnx_NodeProto {
        var n = Onnx_NodeProto()
        n.name = name
        n.opType = op
        n.input = inputs
        n.output = outputs
        if !domain.isEmpty { n.domain = domain }
        n.attribute = attributes
        return n
    }

    static func attribute(_ name: String, _ configure: (inout Onnx_AttributeProto) -> Void) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        configure(&a)
        return a
    }

    static func value(_ name: String, _ type: Onnx_TensorProto.DataType = .float, _ dims: [Any]? = nil) -> Onnx_ValueInfoProto {
        var tensorType = Onnx_TypeProto.Tensor()
        tensorType.elemType = Int32(type.rawValue)
        if let dims {
            var shape = Onnx_TensorShapeProto()
            shape.dim = dims.map { d in
                var dim = Onnx_TensorShapeProto.Dimension()
                if let v = d as? Int { dim.dimValue = Int64(v) } else if let s = d as? String { dim.dimParam = s }
                return dim
            }
            tensorType.shape = shape
        }
        var info = Onnx_ValueInfoProto()
        info.name = name
        info.type.tensorType = tensorType
        return info
    }

    static func model(nodes: [Onnx_NodeProto], inputs: [Onnx_ValueInfoProto], outputs: [Onnx_ValueInfoProto],
                      initializers: [Onnx_TensorProto] = [], opset: Int64 = 17) -> Onnx_ModelProto {
        var graph = Onnx_GraphProto()
        graph.name = "test-graph"
        graph.node = nodes
        graph.input = inputs
        graph.output = outputs
        graph.initializer = initializers
        var model = Onnx_ModelProto()
        model.irVersion = 8
        model.producerName = "builder"
        model.producerVersion = "1.0"
        var entry = Onnx_OperatorSetIdProto()
        entry.domain = ""
        entry.version = opset
        model.opsetImport = [entry]
        model.graph = graph
        return model
    }

    /// A single-node model `y = Relu(x)` whose graph can be modified before encoding.
    static func relu(_ modify: (inout Onnx_ModelProto) -> Void = { _ in }) -> Onnx_ModelProto {
        var m = model(nodes: [node("relu", "Relu", ["x"], ["y"])], inputs: [value("x", .float, [1, 2])], outputs: [value("y")])
        modify(&m)
        return m
    }
}

extension Onnx_ModelProto {
    /// The encoded bytes (test models are small and always encodable).
    func bytes(file: StaticString = #filePath, line: UInt = #line) -> Data {
        do { return try serializedBytes() } catch {
            XCTFail("cannot encode test model: \(error)", file: file, line: line)
            return Data()
        }
    }
}

/// Loads a protobuf model from memory under a fake path.
func loadModel(_ model: Onnx_ModelProto, path: String = "m.onnx") throws -> Graph {
    try ModelLoader.load(data: model.bytes(), path: path)
}

/// Asserts `body` throws a one-line `LoupeError` of kind `.invalidModel` (unless named) containing every fragment.
func assertModelError<T>(_ body: @autoclosure () throws -> T, contains fragments: [String], kind: LoupeError.Kind = .invalidModel,
                         file: StaticString = #filePath, line: UInt = #line) {
    assertLoupeError(try body(), contains: fragments, kind: kind, file: file, line: line)
}
