import LoupeONNX
import LoupeTensor

/// ONNX Unsqueeze: inserts extent-1 axes at the listed output positions; storage shared.
///
/// Axes are an attribute before opset 13 and a constant input from 13 on; negative axes count
/// from the end of the output.
public struct UnsqueezeOperator: AxesReshapingOperator {
    public static let opType = "Unsqueeze"
    let node: Node
    let axes: AttributeOrInputInts

    func outputShape(_ shape: [Int], _ requested: [Int]?) throws -> [Int] {
        guard let requested else { throw node.error("missing required input 1 (axes)") }
        let rank = shape.count + requested.count
        let axes = Set(try node.axes(requested, rank: rank))
        var result = [Int]()
        var next = shape.makeIterator()
        for position in 0..<rank {
            if axes.contains(position) { result.append(1) } else if let d = next.next() { result.append(d) }
        }
        return result
    }
}

extension UnsqueezeOperator {
    /// As the family reads `axes`, but the attribute is required before opset 13.
    public init(node: Node, opset: Int) throws {
        let axes = try AttributeOrInputInts(node: node, opset: opset, name: "axes", input: 1, fromOpset: 13)
        guard axes.input != nil || axes.attribute != nil else { throw node.error("missing required attribute 'axes'") }
        self.init(node: node, axes: axes)
    }
}
