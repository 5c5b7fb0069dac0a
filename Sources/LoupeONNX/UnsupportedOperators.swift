import LoupeTensor

/// The nodes whose operator the engine cannot run, in graph order.
///
/// `supported` receives the op type and the domain (`""` for the default `ai.onnx` domain,
/// which the loader normalises). Control-flow nodes (If, Loop, Scan) are loaded without their
/// subgraphs, so an engine without them reports them here like any other unknown operator.
public func unsupportedOperators(in graph: Graph, supported: (String, String) -> Bool) -> [Node] {
    graph.nodes.filter { !supported($0.opType, $0.domain) }
}

/// The one-line summary of unsupported nodes, e.g.
/// `unsupported operators: nms1 (NonMaxSuppression, ai.onnx), frob1 (Frobnicate, my.domain)`.
public func unsupportedOperatorsMessage(_ nodes: [Node]) -> String {
    "unsupported operators: " + nodes.map { node in
        "\(node.name) (\(node.opType), \(node.domain.isEmpty ? "ai.onnx" : node.domain))"
    }.joined(separator: ", ")
}

/// Throws one `LoupeError` listing every unsupported node of the graph, or returns when all are supported.
public func checkSupportedOperators(in graph: Graph, supported: (String, String) -> Bool) throws {
    let missing = unsupportedOperators(in: graph, supported: supported)
    guard !missing.isEmpty else { return }
    throw LoupeError(.invalidModel, file: graph.sourcePath, unsupportedOperatorsMessage(missing))
}
