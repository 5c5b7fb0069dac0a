import LoupeEngine
import LoupeONNX
import LoupeTensor

/// Builds small models in code for tests (no ONNX file needed).
public struct GraphBuilder {
    public var nodes: [Node] = []
    public var initializers: [String: TensorValue] = [:]
    private var counter = 0

    public init() {}

    /// Adds a node with a fresh output name and returns that name.
    @discardableResult
    public mutating func add(_ opType: String, _ inputs: [String], _ attributes: [String: AttributeValue] = [:],
                             output: String? = nil) -> String {
        counter += 1
        let name = output ?? "\(opType.lowercased())_\(counter)"
        nodes.append(Node(name: "\(opType)_\(counter)", opType: opType, inputs: inputs, outputs: [name], attributes: attributes))
        return name
    }

    /// Adds a float parameter and returns its name.
    @discardableResult
    public mutating func parameter(_ name: String, _ tensor: Tensor) -> String {
        initializers[name] = .float(tensor)
        return name
    }

    /// Adds an integer constant and returns its name.
    @discardableResult
    public mutating func constant(_ name: String, _ values: [Int]) -> String {
        initializers[name] = .int(IntTensor(vector: values))
        return name
    }

    /// A model with one float input `x` of the given per-sample shape and one output.
    public func model(sampleShape: [Int], output: String, opset: Int = 17) throws -> Model {
        let graph = Graph(name: "test", nodes: nodes,
                          inputs: [ValueDeclaration(name: "x", element: .float,
                                                    dimensions: [.symbolic("N")] + sampleShape.map { .fixed($0) })],
                          outputs: [ValueDeclaration(name: output, element: .float, dimensions: nil)],
                          initializers: initializers, initializerOrder: initializers.keys.sorted(), opsetVersion: opset,
                          sourcePath: "test.onnx")
        return try Model(graph: graph)
    }
}
