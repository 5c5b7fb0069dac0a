import Foundation
import LoupeTensor
import SwiftProtobuf

/// Loads ONNX model files into a validated, topologically ordered `Graph`.
///
/// Every failure is a one-line `LoupeError` naming the file and the node, tensor or field
/// concerned. Hostile files (truncated or garbled protobuf, sizes that overflow, external data
/// leaving the model's folder) are refused without crashing or allocating their declared sizes.
/// Unsupported operators are NOT refused here: see `unsupportedOperators(in:supported:)`.
public enum ModelLoader {
    /// The newest IR version and default-domain opset that ONNX 1.23 defines; anything later is refused.
    public static let newestIRVersion: Int64 = 14
    public static let newestOpset = 28

    /// Reads and validates the model at `path`.
    ///
    /// The file's size and its top-level fields are checked first (`ModelWireScan`), so a file
    /// over the memory budget or with a huge unknown field is refused before it is read whole.
    public static func load(path: String) throws -> Graph {
        let (descriptor, info) = try RegularFile.open(path, failure: "cannot read model file")
        defer { close(descriptor) }
        try ModelWireScan.check(descriptor: descriptor, size: Int(info.st_size), path: path)
        return try load(data: RegularFile.contents(path, failure: "cannot read model file"), path: path)
    }

    /// Decodes and validates a model held in memory; `path` labels errors and locates external data.
    public static func load(data: Data, path: String) throws -> Graph {
        let model: Onnx_ModelProto
        do {
            model = try Onnx_ModelProto(serializedBytes: data)
        } catch {
            throw LoupeError(.invalidModel, file: path, location: "protobuf",
                             "not a valid ONNX model (\(describeDecodingError(error)))")
        }
        return try ModelDecoder(path: path).graph(from: model)
    }

    private static func describeDecodingError(_ error: Error) -> String {
        switch error {
        case BinaryDecodingError.truncated: return "truncated data"
        case BinaryDecodingError.invalidUTF8: return "a string field is not valid UTF-8"
        case BinaryDecodingError.malformedProtobuf: return "malformed protobuf"
        case BinaryDecodingError.messageDepthLimit: return "messages nested too deeply"
        case BinaryDecodingError.trailingGarbage: return "trailing garbage"
        default: return "malformed protobuf"
        }
    }
}

/// Converts a decoded `ModelProto` into a `Graph`, reporting errors against one file.
struct ModelDecoder {
    let path: String
    let externalData: ExternalDataReader

    init(path: String) {
        self.path = path
        self.externalData = ExternalDataReader(modelPath: path)
    }

    func fail(_ location: String, _ reason: String) -> LoupeError {
        LoupeError(.invalidModel, file: path, location: location, reason)
    }

    func graph(from model: Onnx_ModelProto) throws -> Graph {
        guard model.hasGraph else { throw fail("model", "the model has no graph") }
        try checkIRVersion(model)
        let proto = model.graph
        let opset = try defaultOpset(model)

        // Parameters, in file order.
        var initializers: [String: TensorValue] = [:]
        var initializerOrder: [String] = []
        for (index, tensor) in proto.initializer.enumerated() {
            let name = tensor.name
            guard !name.isEmpty else { throw fail("initializer #\(index)", "initializer has no name") }
            guard initializers[name] == nil else {
                throw fail("initializer '\(name)'", "initializer is defined twice")
            }
            initializers[name] = try decodeTensor(tensor, location: "initializer '\(name)'")
            initializerOrder.append(name)
        }
        if let sparse = proto.sparseInitializer.first {
            throw fail("initializer '\(sparse.values.name)'", "sparse initializers are not supported")
        }

        // Inputs: initializers listed as inputs (IR < 4 style) are parameters, not inputs.
        var inputs: [ValueDeclaration] = []
        var inputNames = Set<String>()
        for info in proto.input {
            guard !info.name.isEmpty else { throw fail("graph input", "graph input has no name") }
            guard inputNames.insert(info.name).inserted else {
                throw fail("graph input '\(info.name)'", "graph input is declared twice")
            }
            if initializers[info.name] != nil { continue }
            inputs.append(try declaration(info, role: "graph input", requireType: true))
        }
        var outputNames = Set<String>()
        let outputs = try proto.output.map { info in
            guard outputNames.insert(info.name).inserted else {
                throw fail("graph output '\(info.name)'", "graph output is declared twice")
            }
            return try declaration(info, role: "graph output", requireType: false)
        }

        let names = ModelDecoder.nodeNames(proto.node)
        let nodes = try proto.node.enumerated().map { index, node in try decodeNode(node, index: index, name: names[index]) }
        let ordered = try GraphValidator(path: path, nodes: nodes, graphInputs: inputs.map(\.name),
                                         initializers: initializerOrder, graphOutputs: outputs.map(\.name)).topologicalOrder()

        let producer = [model.producerName, model.producerVersion].filter { !$0.isEmpty }.joined(separator: " ")
        return Graph(name: proto.name, nodes: ordered, inputs: inputs, outputs: outputs, initializers: initializers,
                     initializerOrder: initializerOrder, opsetVersion: opset, producer: producer, sourcePath: path)
    }

    /// The opset version of the default (`""` / `ai.onnx`) domain.
    private func defaultOpset(_ model: Onnx_ModelProto) throws -> Int {
        let entries = model.opsetImport.filter { $0.domain.isEmpty || $0.domain == "ai.onnx" }
        guard let entry = entries.first else {
            // IR versions before 3 predate opset_import and mean opset 1.
            if model.irVersion < 3 && model.opsetImport.isEmpty { return 1 }
            throw fail("opset_import", "the model imports no opset for the default ai.onnx domain")
        }
        guard entries.count == 1 else { throw fail("opset_import", "the default domain is imported more than once") }
        guard entry.version >= 1, let version = Int(exactly: entry.version) else {
            throw fail("opset_import", "invalid default-domain opset version \(entry.version)")
        }
        guard version <= ModelLoader.newestOpset else {
            throw fail("opset_import", "opset \(version) is newer than the newest ONNX opset known (\(ModelLoader.newestOpset))")
        }
        return version
    }

    /// Refuses IR versions that do not exist: 0 (unset) and versions newer than ONNX defines.
    private func checkIRVersion(_ model: Onnx_ModelProto) throws {
        guard (1...ModelLoader.newestIRVersion).contains(model.irVersion) else {
            throw fail("ir_version", "IR version \(model.irVersion) is not between 1 and \(ModelLoader.newestIRVersion)")
        }
    }

    /// A graph input or output declaration.
    private func declaration(_ info: Onnx_ValueInfoProto, role: String, requireType: Bool) throws -> ValueDeclaration {
        let location = "\(role) '\(info.name)'"
        guard !info.name.isEmpty else { throw fail(role, "\(role) has no name") }
        guard info.hasType else {
            if requireType { throw fail(location, "declares no type") }
            return ValueDeclaration(name: info.name, element: .float, dimensions: nil)
        }
        guard case .tensorType(let tensorType)? = info.type.value else {
            throw fail(location, "is not a tensor (sequences, maps, optionals and sparse tensors are not supported)")
        }
        let element = try elementKind(tensorType.elemType, location: location)
        var dimensions: [Dimension]?
        if tensorType.hasShape {
            dimensions = try tensorType.shape.dim.map { dim in
                switch dim.value {
                case .dimValue(let v)?:
                    guard v >= 0, let value = Int(exactly: v) else { throw fail(location, "negative dimension \(v)") }
                    return .fixed(value)
                case .dimParam(let name)?:
                    return .symbolic(name.isEmpty ? "?" : name)
                case nil:
                    return .symbolic("?")
                }
            }
        }
        return ValueDeclaration(name: info.name, element: element, dimensions: dimensions)
    }

    /// Maps an ONNX element type to the engine's float/integer distinction.
    private func elementKind(_ raw: Int32, location: String) throws -> ElementKind {
        guard let type = Onnx_TensorProto.DataType(rawValue: Int(raw)) else {
            throw fail(location, "unknown element type \(raw)")
        }
        switch type {
        case .float, .double, .float16, .bfloat16: return .float
        case .int8, .int16, .int32, .int64, .uint8, .uint16, .uint32, .uint64, .bool: return .integer
        default: throw fail(location, "element type \(dataTypeName(type)) is not supported")
        }
    }

    /// Converts one node; `index` is its position in the file, `name` its (filled) name.
    private func decodeNode(_ proto: Onnx_NodeProto, index: Int, name: String) throws -> Node {
        guard !proto.opType.isEmpty else { throw fail("node #\(index) '\(proto.name)'", "node has no op_type") }
        let domain = proto.domain == "ai.onnx" ? "" : proto.domain
        var node = Node(name: name, opType: proto.opType, domain: domain, inputs: proto.input, outputs: proto.output)
        let isControlFlow = domain.isEmpty && ["If", "Loop", "Scan"].contains(proto.opType)
        for attribute in proto.attribute {
            let location = "node '\(name)' (\(proto.opType)) attribute '\(attribute.name)'"
            guard !attribute.name.isEmpty else { throw fail("node '\(name)' (\(proto.opType))", "attribute has no name") }
            guard node.attributes[attribute.name] == nil else { throw fail(location, "attribute is given twice") }
            // Subgraph bodies are dropped: such nodes are reported as unsupported operators.
            if isControlFlow && [.graph, .graphs].contains(attributeType(attribute)) { continue }
            node.attributes[attribute.name] = try decodeAttribute(attribute, location: location)
        }
        return node
    }

    /// The attribute's declared type, inferred from its fields for files that omit it.
    private func attributeType(_ a: Onnx_AttributeProto) -> Onnx_AttributeProto.AttributeType {
        if a.hasType && a.type != .undefined { return a.type }
        if a.hasF { return .float }
        if a.hasI { return .int }
        if a.hasS { return .string }
        if a.hasT { return .tensor }
        if a.hasG { return .graph }
        if a.hasSparseTensor { return .sparseTensor }
        if !a.floats.isEmpty { return .floats }
        if !a.ints.isEmpty { return .ints }
        if !a.strings.isEmpty { return .strings }
        if !a.tensors.isEmpty { return .tensors }
        if !a.graphs.isEmpty { return .graphs }
        return .undefined
    }

    private func decodeAttribute(_ a: Onnx_AttributeProto, location: String) throws -> AttributeValue {
        func text(_ bytes: Data) throws -> String {
            guard let s = String(data: bytes, encoding: .utf8) else { throw fail(location, "string is not valid UTF-8") }
            return s
        }
        switch attributeType(a) {
        case .float: return .float(a.f)
        case .int:
            guard let v = Int(exactly: a.i) else { throw fail(location, "integer out of range") }
            return .int(v)
        case .string: return .string(try text(a.s))
        case .tensor: return .tensor(try decodeTensor(a.t, location: location))
        case .floats: return .floats(a.floats)
        case .ints: return .ints(a.ints.map { Int($0) })
        case .strings: return .strings(try a.strings.map(text))
        case .graph, .graphs: throw fail(location, "graph (subgraph) attributes are not supported")
        case .sparseTensor, .sparseTensors: throw fail(location, "sparse tensor attributes are not supported")
        case .tensors: throw fail(location, "tensor-list attributes are not supported")
        case .typeProto, .typeProtos: throw fail(location, "type attributes are not supported")
        case .undefined: throw fail(location, "attribute has no type and no value")
        }
    }

    /// Node names: the file's names, with empty ones filled as `<opType>_<index>` (made unique).
    static func nodeNames(_ protos: [Onnx_NodeProto]) -> [String] {
        var used = Set(protos.map(\.name).filter { !$0.isEmpty })
        return protos.enumerated().map { index, proto in
            guard proto.name.isEmpty else { return proto.name }
            var name = "\(proto.opType)_\(index)"
            var suffix = 2
            while used.contains(name) { name = "\(proto.opType)_\(index)_\(suffix)"; suffix += 1 }
            used.insert(name)
            return name
        }
    }
}

/// The ONNX spelling of a data type, for messages.
func dataTypeName(_ type: Onnx_TensorProto.DataType) -> String {
    switch type {
    case .undefined: return "UNDEFINED"
    case .float: return "FLOAT"
    case .uint8: return "UINT8"
    case .int8: return "INT8"
    case .uint16: return "UINT16"
    case .int16: return "INT16"
    case .int32: return "INT32"
    case .int64: return "INT64"
    case .string: return "STRING"
    case .bool: return "BOOL"
    case .float16: return "FLOAT16"
    case .double: return "DOUBLE"
    case .uint32: return "UINT32"
    case .uint64: return "UINT64"
    case .complex64: return "COMPLEX64"
    case .complex128: return "COMPLEX128"
    case .bfloat16: return "BFLOAT16"
    case .float8E4M3Fn: return "FLOAT8E4M3FN"
    case .float8E4M3Fnuz: return "FLOAT8E4M3FNUZ"
    case .float8E5M2: return "FLOAT8E5M2"
    case .float8E5M2Fnuz: return "FLOAT8E5M2FNUZ"
    case .uint4: return "UINT4"
    case .int4: return "INT4"
    case .float4E2M1: return "FLOAT4E2M1"
    }
}
