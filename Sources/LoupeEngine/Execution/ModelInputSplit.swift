import Foundation
import LoupeONNX
import LoupeTensor

/// A model cut after the convolution its only input feeds: that convolution is affine in the
/// input, so along a straight path `x(α) = a + α (b − a)` its output is `y(a) + α (y(b) − y(a))`.
///
/// Integrated Gradients uses this to run the first layer twice per image instead of once per path
/// point, and its input gradient once on the summed gradients instead of once per point.
public struct ModelInputSplit: @unchecked Sendable {
    /// The value the convolution writes: the `rest` model's input.
    public let value: String
    /// The convolution alone (with the nodes that make its constant operands), from the original
    /// input to `value`.
    public let first: Model
    /// The graph without that convolution, reading `value` as its input; it shares the original's
    /// operators (and so their cached weight transforms).
    public let rest: Model
}

extension Model {
    /// The split after the input's convolution, or nil unless the graph's only input feeds exactly
    /// one node, a Conv with constant weights (and bias; possibly folded from other nodes).
    /// Made once per model.
    public func inputSplit() -> ModelInputSplit? {
        splitCache.value { makeInputSplit() }
    }

    private func makeInputSplit() -> ModelInputSplit? {
        guard graph.inputs.count == 1, let input = graph.inputs.first,
              !graph.outputs.contains(where: { $0.name == input.name }) else { return nil }
        let readers = graph.nodes.indices.filter { graph.nodes[$0].inputs.contains(input.name) }
        guard readers.count == 1, let index = readers.first else { return nil }
        let conv = graph.nodes[index]
        guard conv.opType == "Conv", conv.inputs.first == input.name, conv.outputs.count == 1,
              !conv.inputs.dropFirst().contains(input.name), let value = conv.outputs.first,
              !graph.outputs.contains(where: { $0.name == value }), let plan = try? plan(batchSize: 1),
              conv.inputs.dropFirst().allSatisfy({ $0.isEmpty || plan.facts[$0]?.constant != nil }),
              let shape = plan.shape(of: value), shape.count >= 1 else { return nil }
        var rest = graph
        rest.nodes.remove(at: index)
        let batch = input.dimensions?.first ?? .symbolic("batch")
        rest.inputs = [ValueDeclaration(name: value, element: .float, dimensions: [batch] + shape.dropFirst().map { .fixed($0) })]
        var restOperators = operators
        restOperators.remove(at: index)
        // The first layer: the Conv and every earlier node its weights (or bias) are computed from.
        var needed = Set(conv.inputs.dropFirst().filter { !$0.isEmpty })
        var kept = [index]
        for earlier in (0..<index).reversed() where graph.nodes[earlier].outputs.contains(where: needed.contains) {
            kept.append(earlier)
            needed.formUnion(graph.nodes[earlier].inputs.filter { !$0.isEmpty })
        }
        kept.reverse()
        var first = graph
        first.nodes = kept.map { graph.nodes[$0] }
        first.outputs = [ValueDeclaration(name: value, element: .float, dimensions: rest.inputs[0].dimensions)]
        return ModelInputSplit(value: value, first: Model(graph: first, operators: kept.map { operators[$0] }),
                               rest: Model(graph: rest, operators: restOperators))
    }
}

/// Values computed at most once per key, on first use, under a lock (nil results are kept too).
final class OnceCache<Key: Hashable, Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Key: Value?] = [:]

    func value(_ key: Key, _ make: () throws -> Value?) rethrows -> Value? {
        lock.lock()
        defer { lock.unlock() }
        if let known = stored[key] { return known }
        let made = try make()
        stored[key] = .some(made)
        return made
    }
}

extension OnceCache where Key == Int {
    /// The cache's one value (for a cache that holds a single value, under key 0).
    func value(_ make: () throws -> Value?) rethrows -> Value? { try value(0, make) }
}
