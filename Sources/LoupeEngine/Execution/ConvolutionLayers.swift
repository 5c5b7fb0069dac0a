import LoupeONNX
import LoupeTensor

/// The Conv layers of a model at a batch size: their geometry and the kernels `ConvolutionRule` picks.
public struct ConvolutionLayer: Sendable {
    public var name: String
    public var geometry: ConvolutionGeometry
    public var route: ConvolutionKernelRoute

    /// Every running 2-D Conv node of `model` at `batchSize`, in plan order.
    public static func all(in model: Model, batchSize: Int) throws -> [ConvolutionLayer] {
        let plan = try model.plan(batchSize: batchSize)
        let graph = model.graph
        var layers = [ConvolutionLayer]()
        for index in plan.runningNodeIndices {
            let node = graph.nodes[index]
            guard let geometry = try geometry(of: node, shapes: { plan.shape(of: $0) }, opset: graph.opsetVersion)
            else { continue }
            layers.append(ConvolutionLayer(name: node.name, geometry: geometry, route: ConvolutionRule.route(for: geometry)))
        }
        return layers
    }

    /// The geometry of a 2-D `Conv` node from its input shapes, or nil for other nodes.
    static func geometry(of node: Node, shapes: (String) -> [Int]?, opset: Int) throws -> ConvolutionGeometry? {
        guard node.opType == "Conv", node.inputs.count >= 2,
              let x = shapes(node.inputs[0]), let w = shapes(node.inputs[1]), x.count == 4 else { return nil }
        let bias = node.inputs.count > 2 && !node.inputs[2].isEmpty ? shapes(node.inputs[2]) : nil
        return try ConvOperator(node: node, opset: opset).plan(input: x, weight: w, bias: bias).0
    }
}
