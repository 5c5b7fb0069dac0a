import Foundation
import LoupeTensor
import SwiftProtobuf

/// Writes a `Graph` back to an ONNX model file.
///
/// The file uses IR version 8 and imports the default domain at `graph.opsetVersion` (other
/// domains used by nodes at version 1). Float tensors are stored as FLOAT `raw_data`, integer
/// tensors as INT64 `raw_data`. Loading the result gives back the same graph.
public enum ModelWriter {
    /// Encodes the graph as ONNX protobuf bytes.
    public static func serialize(_ graph: Graph, producer: String) throws -> Data {
        var model = Onnx_ModelProto()
        model.irVersion = 8
        model.producerName = producer
        var opsets: [Onnx_OperatorSetIdProto] = []
        var defaultOpset = Onnx_OperatorSetIdProto()
        defaultOpset.domain = ""
        defaultOpset.version = Int64(graph.opsetVersion)
        opsets.append(defaultOpset)
        var domains = Set<String>()
        for node in graph.nodes where !node.domain.isEmpty && domains.insert(node.domain).inserted {
            var entry = Onnx_OperatorSetIdProto()
            entry.domain = node.domain
            entry.version = 1
            opsets.append(entry)
        }
        model.opsetImport = opsets

        var proto = Onnx_GraphProto()
        proto.name = graph.name
        proto.node = graph.nodes.map(nodeProto)
        proto.input = graph.inputs.map(valueInfo)
        proto.output = graph.outputs.map(valueInfo)
        var initializers: [Onnx_TensorProto] = []
        for name in graph.initializerOrder {
            guard let value = graph.initializers[name] else {
                throw LoupeError(.invalidModel, file: graph.sourcePath, location: "initializer '\(name)'",
                                 "listed in the initializer order but has no value")
            }
            initializers.append(tensorProto(value, name: name))
        }
        proto.initializer = initializers
        model.graph = proto
        do {
            return try model.serializedBytes()
        } catch {
            throw LoupeError(.invalidModel, file: graph.sourcePath, location: "protobuf",
                             "cannot encode the model (ONNX files are limited to 2 GiB)")
        }
    }

    /// Writes the graph to `path` (to a temporary name in the same folder, then renamed into place).
    public static func write(_ graph: Graph, to path: String, producer: String) throws {
        try writeAtomically(try serialize(graph, producer: producer), to: path, what: "model file")
    }

    private static func nodeProto(_ node: Node) -> Onnx_NodeProto {
        var proto = Onnx_NodeProto()
        proto.name = node.name
        proto.opType = node.opType
        if !node.domain.isEmpty { proto.domain = node.domain }
        proto.input = node.inputs
        proto.output = node.outputs
        proto.attribute = node.attributes.keys.sorted().compactMap { key in
            node.attributes[key].map { attributeProto($0, name: key) }
        }
        return proto
    }

    private static func attributeProto(_ value: AttributeValue, name: String) -> Onnx_AttributeProto {
        var proto = Onnx_AttributeProto()
        proto.name = name
        switch value {
        case .int(let v): proto.type = .int; proto.i = Int64(v)
        case .float(let v): proto.type = .float; proto.f = v
        case .string(let v): proto.type = .string; proto.s = Data(v.utf8)
        case .tensor(let v): proto.type = .tensor; proto.t = tensorProto(v, name: "")
        case .ints(let v): proto.type = .ints; proto.ints = v.map { Int64($0) }
        case .floats(let v): proto.type = .floats; proto.floats = v
        case .strings(let v): proto.type = .strings; proto.strings = v.map { Data($0.utf8) }
        }
        return proto
    }

    /// A tensor as little-endian `raw_data`: FLOAT for floats, INT64 for integers.
    static func tensorProto(_ value: TensorValue, name: String) -> Onnx_TensorProto {
        var proto = Onnx_TensorProto()
        if !name.isEmpty { proto.name = name }
        proto.dims = value.shape.map { Int64($0) }
        switch value {
        case .float(let t):
            proto.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
            proto.rawData = t.scalars.withUnsafeBufferPointer { buffer in
                #if _endian(little)
                return Data(buffer: buffer)
                #else
                return Data(buffer.map { $0.bitPattern.littleEndian }.withUnsafeBufferPointer { Data(buffer: $0) })
                #endif
            }
        case .int(let t):
            proto.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue)
            let little = t.values.map { Int64($0).littleEndian }
            proto.rawData = little.withUnsafeBufferPointer { Data(buffer: $0) }
        }
        return proto
    }

    private static func valueInfo(_ declaration: ValueDeclaration) -> Onnx_ValueInfoProto {
        var tensorType = Onnx_TypeProto.Tensor()
        tensorType.elemType = Int32(declaration.element == .float ? Onnx_TensorProto.DataType.float.rawValue
                                                                    : Onnx_TensorProto.DataType.int64.rawValue)
        if let dimensions = declaration.dimensions {
            var shape = Onnx_TensorShapeProto()
            shape.dim = dimensions.map { dimension in
                var dim = Onnx_TensorShapeProto.Dimension()
                switch dimension {
                case .fixed(let v): dim.dimValue = Int64(v)
                case .symbolic(let name): dim.dimParam = name
                }
                return dim
            }
            tensorType.shape = shape
        }
        var type = Onnx_TypeProto()
        type.tensorType = tensorType
        var info = Onnx_ValueInfoProto()
        info.name = declaration.name
        info.type = type
        return info
    }
}
