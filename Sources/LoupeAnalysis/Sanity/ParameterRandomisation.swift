import Foundation
import LoupeEngine
import LoupeONNX
import LoupeTensor

/// A parametrised layer the randomisation test re-initialises, with the scheme of each parameter.
public struct RandomisableLayer: Sendable, Equatable {
    /// How one parameter is re-drawn.
    public enum Scheme: Sendable, Equatable {
        /// U(−bound, bound): PyTorch's default for Conv/Linear weights (kaiming-uniform, a = √5) and biases.
        case uniform(bound: Float)
        /// Every value set to a constant (BatchNorm: scale 1, shift 0, running mean 0, running variance 1).
        case constant(Float)
    }

    /// One initializer of the layer.
    public struct Parameter: Sendable, Equatable {
        public var name: String
        public var scheme: Scheme
    }

    /// The node's name (its first output when unnamed).
    public var name: String
    public var opType: String
    /// Position of the node in graph order.
    public var nodeIndex: Int
    public var parameters: [Parameter]
}

/// Layer enumeration and seeded re-initialisation for the model parameter randomisation test (docs/sanity-checks.md#model-parameter-randomisation).
///
/// Layers are Conv, Gemm and MatMul nodes whose weight is a float initializer (with their bias: Conv/Gemm
/// input 2, or the 1-D initializer of an Add right after a MatMul) and BatchNormalization nodes, in graph
/// (topological) order. Each layer's generator is seeded from the run seed and the layer's name, so a
/// layer gets the same random weights in the cascading and the independent test and on every rerun.
/// The original model is never modified: randomised models are copies (`Model.replacingInitializers`).
public enum ParameterRandomisation {
    /// The randomisable layers of a graph, input to output.
    public static func layers(in graph: Graph) -> [RandomisableLayer] {
        var layers = [RandomisableLayer]()
        var claimed = Set<String>()
        func floatInitializer(_ name: String?) -> Tensor? {
            guard let name, !name.isEmpty, !claimed.contains(name), case .float(let t)? = graph.initializers[name], t.count > 0 else { return nil }
            return t
        }
        for (index, node) in graph.nodes.enumerated() {
            var parameters = [RandomisableLayer.Parameter]()
            switch node.opType {
            case "Conv", "Gemm", "MatMul":
                guard let weightName = node.input(1), let weight = floatInitializer(weightName) else { continue }
                let fanIn: Int
                if node.opType == "Conv" {
                    guard weight.rank >= 3 else { continue }
                    fanIn = weight.shape.dropFirst().reduce(1, *)
                } else {
                    guard weight.rank == 2 else { continue }
                    let transposed = node.opType == "Gemm" && ((try? node.int("transB", default: 0)) ?? 0) != 0
                    fanIn = transposed ? weight.shape[1] : weight.shape[0]
                }
                let bound = Float(1 / Double(max(fanIn, 1)).squareRoot())
                parameters.append(.init(name: weightName, scheme: .uniform(bound: bound)))
                var biasName = node.opType == "MatMul" ? nil : node.input(2)
                if node.opType == "MatMul", let output = node.outputs.first,
                   let add = graph.nodes.dropFirst(index + 1).first(where: { $0.inputs.contains(output) }), add.opType == "Add" {
                    biasName = add.inputs.first { $0 != output && (floatInitializer($0)?.rank ?? 0) == 1 }
                }
                if let biasName, floatInitializer(biasName) != nil {
                    parameters.append(.init(name: biasName, scheme: .uniform(bound: bound)))
                }
            case "BatchNormalization":
                let constants: [Float] = [1, 0, 0, 1]
                for slot in 1...4 {
                    if let name = node.input(slot), floatInitializer(name) != nil {
                        parameters.append(.init(name: name, scheme: .constant(constants[slot - 1])))
                    }
                }
            default:
                continue
            }
            guard !parameters.isEmpty else { continue }
            for parameter in parameters { claimed.insert(parameter.name) }
            layers.append(RandomisableLayer(name: node.name.isEmpty ? (node.outputs.first ?? node.opType) : node.name,
                                            opType: node.opType, nodeIndex: index, parameters: parameters))
        }
        return layers
    }

    /// Fresh values for every parameter of `layer` (shapes from `graph`), drawn from the layer's own generator.
    public static func reinitialised(_ layer: RandomisableLayer, in graph: Graph, seed: UInt64) -> [String: TensorValue] {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in layer.name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        var generator = SeededGenerator(seed: seed ^ hash)
        var values = [String: TensorValue]()
        for parameter in layer.parameters {
            guard case .float(let old)? = graph.initializers[parameter.name] else { continue }
            var fresh = Tensor(shape: old.shape)
            switch parameter.scheme {
            case .uniform(let bound):
                for i in 0..<fresh.count { fresh.scalars[i] = Float(2 * generator.uniform() - 1) * bound }
            case .constant(let value):
                for i in 0..<fresh.count { fresh.scalars[i] = value }
            }
            values[parameter.name] = .float(fresh)
        }
        return values
    }

    /// Splits `count` layers into at most `maxSteps` consecutive groups, top (output) first.
    ///
    /// Each element lists layer indices (input-to-output numbering) of one step, in top-down order; with
    /// `count <= maxSteps` every layer is its own step.
    public static func topDownGroups(count: Int, maxSteps: Int) -> [[Int]] {
        guard count > 0 else { return [] }
        let steps = min(count, max(1, maxSteps))
        let topDown = Array((0..<count).reversed())
        return (0..<steps).map { step in
            Array(topDown[(step * count / steps)..<((step + 1) * count / steps)])
        }
    }

    /// A copy of `model` with the given layers re-initialised.
    public static func randomised(_ model: Model, layers: [RandomisableLayer], seed: UInt64) throws -> Model {
        var overrides = [String: TensorValue]()
        for layer in layers { overrides.merge(reinitialised(layer, in: model.graph, seed: seed)) { $1 } }
        return try model.replacingInitializers(overrides)
    }
}
