import LoupeTensor

/// A node attribute's value, as ONNX defines them (graphs and sparse tensors excluded).
public enum AttributeValue: Sendable, Equatable {
    case int(Int)
    case float(Float)
    case string(String)
    case tensor(TensorValue)
    case ints([Int])
    case floats([Float])
    case strings([String])
}

/// One operation of a graph, independent of the protobuf encoding.
public struct Node: Sendable, Equatable {
    /// The node's name; the loader fills empty names with `<opType>_<index>`.
    public var name: String
    /// The ONNX operator type, e.g. `Conv`.
    public var opType: String
    /// The operator set domain; empty means the default `ai.onnx` domain.
    public var domain: String
    /// Input value names; an empty string marks an omitted optional input.
    public var inputs: [String]
    /// Output value names; an empty string marks an omitted optional output.
    public var outputs: [String]
    /// Attributes by name.
    public var attributes: [String: AttributeValue]

    public init(name: String, opType: String, domain: String = "", inputs: [String], outputs: [String],
                attributes: [String: AttributeValue] = [:]) {
        self.name = name
        self.opType = opType
        self.domain = domain
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
    }
}

/// Element types the engine distinguishes.
public enum ElementKind: Sendable, Equatable {
    /// Any floating-point type, computed as Float32.
    case float
    /// Any integer or boolean type, computed as Int.
    case integer
}

/// One dimension of a declared shape.
public enum Dimension: Sendable, Equatable {
    case fixed(Int)
    case symbolic(String)
}

/// A graph input or output as declared in the model.
public struct ValueDeclaration: Sendable, Equatable {
    public var name: String
    public var element: ElementKind
    /// Declared dimensions, or nil when the model does not declare a shape.
    public var dimensions: [Dimension]?

    public init(name: String, element: ElementKind, dimensions: [Dimension]?) {
        self.name = name
        self.element = element
        self.dimensions = dimensions
    }
}

/// A validated, topologically ordered computation graph with its parameters.
public struct Graph: Sendable {
    /// The graph's name from the model.
    public var name: String
    /// Nodes in an order where every node comes after the producers of its inputs.
    public var nodes: [Node]
    /// Inputs the caller must feed (initializers excluded).
    public var inputs: [ValueDeclaration]
    /// The graph outputs.
    public var outputs: [ValueDeclaration]
    /// Parameters and constants by value name.
    public var initializers: [String: TensorValue]
    /// Initializer names in file order (for stable listings).
    public var initializerOrder: [String]
    /// The default-domain opset version the model was exported for.
    public var opsetVersion: Int
    /// Producer name and version, for reports.
    public var producer: String
    /// The file the graph was loaded from, for error messages.
    public var sourcePath: String

    public init(name: String, nodes: [Node], inputs: [ValueDeclaration], outputs: [ValueDeclaration],
                initializers: [String: TensorValue], initializerOrder: [String], opsetVersion: Int,
                producer: String = "", sourcePath: String = "") {
        self.name = name
        self.nodes = nodes
        self.inputs = inputs
        self.outputs = outputs
        self.initializers = initializers
        self.initializerOrder = initializerOrder
        self.opsetVersion = opsetVersion
        self.producer = producer
        self.sourcePath = sourcePath
    }

    /// Total number of scalars in float initializers (the model's parameter count).
    public var parameterCount: Int {
        initializers.values.reduce(0) { total, value in
            if case .float(let t) = value { return total + t.count }
            return total
        }
    }
}
