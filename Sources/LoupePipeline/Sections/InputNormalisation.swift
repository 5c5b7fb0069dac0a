import Foundation
import LoupeONNX

/// Where a model's input is normalised, which decides what an all-zero input (the zero baseline) means.
///
/// The graph normalises when the network input goes, possibly through Cast/Identity, straight into a Sub,
/// Div, Mul or Add whose other operand is a constant (an initializer or a Constant node), or into a
/// BatchNormalization: the tell-tale of `(x − mean) / std` folded into the exported model.
enum InputNormalisation: Equatable {
    /// The job's preprocessing subtracts a mean: a zero input is the mean colour.
    case preprocessing
    /// The model subtracts or divides by constants at its input: a zero input is a black image.
    case inGraph
    /// Neither: a zero input is a black image and nothing suggests otherwise.
    case none

    /// The normalisation of `graph`'s input `input` under a preprocessing that does (or not) subtract a mean.
    static func of(_ graph: Graph, input: String, preprocessingMean: [Double]?) -> InputNormalisation {
        if let mean = preprocessingMean, mean.contains(where: { $0 != 0 }) { return .preprocessing }
        return graphNormalises(graph, input: input) ? .inGraph : .none
    }

    /// Whether the first operation on `input` is an elementwise step with a constant, or a BatchNormalization.
    static func graphNormalises(_ graph: Graph, input: String) -> Bool {
        let constants = Set(graph.initializers.keys).union(graph.nodes.filter { $0.opType == "Constant" }.flatMap(\.outputs))
        var frontier = [input]
        var seen = Set<String>()
        while let value = frontier.popLast(), seen.insert(value).inserted {
            for node in graph.nodes where node.inputs.contains(value) {
                switch node.opType {
                case "Cast", "Identity":
                    frontier += node.outputs
                case "Sub", "Div", "Mul", "Add":
                    if node.inputs.contains(where: { $0 != value && constants.contains($0) }) { return true }
                case "BatchNormalization":
                    return true
                default:
                    break
                }
            }
        }
        return false
    }
}
