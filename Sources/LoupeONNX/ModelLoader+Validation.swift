import LoupeTensor

/// Structural checks on a graph: single definitions, defined inputs, no cycles.
struct GraphValidator {
    let path: String
    let nodes: [Node]
    let graphInputs: [String]
    let initializers: [String]
    let graphOutputs: [String]

    private func fail(_ location: String, _ reason: String) -> LoupeError {
        LoupeError(.invalidModel, file: path, location: location, reason)
    }

    private func describe(_ node: Node) -> String { "node '\(node.name)' (\(node.opType))" }

    /// Where a value comes from, for SSA bookkeeping.
    private enum Definition {
        case graphInput, initializer, node(Int)
    }

    /// Checks the graph and returns its nodes in a topological order, stable in file order.
    func topologicalOrder() throws -> [Node] {
        // Each value is defined exactly once. Initializers may also be listed as graph inputs.
        var definitions: [String: Definition] = [:]
        for name in initializers { definitions[name] = .initializer }
        for name in graphInputs where definitions[name] == nil { definitions[name] = .graphInput }
        for (index, node) in nodes.enumerated() {
            for output in node.outputs where !output.isEmpty {
                switch definitions[output] {
                case nil:
                    definitions[output] = .node(index)
                case .node(let other)?:
                    let reason = other == index ? "lists output '\(output)' twice"
                        : "output '\(output)' is also produced by \(describe(nodes[other])) (each value must be defined once)"
                    throw fail(describe(node), reason)
                case .initializer?:
                    throw fail(describe(node), "output '\(output)' is already defined by an initializer")
                case .graphInput?:
                    throw fail(describe(node), "output '\(output)' is already defined by a graph input")
                }
            }
        }

        // Every input is defined; count each node's dependencies on other nodes.
        var consumers = [[Int]](repeating: [], count: nodes.count)
        var pending = [Int](repeating: 0, count: nodes.count)
        for (index, node) in nodes.enumerated() {
            for input in node.inputs where !input.isEmpty {
                switch definitions[input] {
                case nil:
                    throw fail(describe(node), "input '\(input)' is not defined by any node, initializer or graph input")
                case .node(let producer)?:
                    if producer == index { throw fail(describe(node), "graph has a cycle: the node consumes its own output '\(input)'") }
                    consumers[producer].append(index)
                    pending[index] += 1
                default:
                    break
                }
            }
        }
        for output in graphOutputs where definitions[output] == nil {
            throw fail("graph output '\(output)'", "is not produced by any node, initializer or graph input")
        }

        // Kahn's algorithm; the ready set is a min-heap of file positions.
        var ready = MinHeap()
        for index in nodes.indices where pending[index] == 0 { ready.push(index) }
        var order: [Node] = []
        order.reserveCapacity(nodes.count)
        while let index = ready.pop() {
            order.append(nodes[index])
            for consumer in consumers[index] {
                pending[consumer] -= 1
                if pending[consumer] == 0 { ready.push(consumer) }
            }
        }
        if order.count < nodes.count {
            let node = nodes[nodeOnCycle(pending: pending, definitions: definitions)]
            throw fail(describe(node), "graph has a cycle through this node")
        }
        return order
    }

    /// Walks back from any unfinished node through unfinished producers until a node repeats.
    private func nodeOnCycle(pending: [Int], definitions: [String: Definition]) -> Int {
        guard var current = pending.firstIndex(where: { $0 > 0 }) else { return 0 }
        var visited = Set<Int>()
        while visited.insert(current).inserted {
            // A node with pending > 0 has at least one unfinished producer.
            let producers = nodes[current].inputs.compactMap { input -> Int? in
                if case .node(let p)? = definitions[input], pending[p] > 0 { return p }
                return nil
            }
            guard let next = producers.first else { return current }
            current = next
        }
        return current
    }
}

/// A binary min-heap of node positions.
struct MinHeap {
    private var items: [Int] = []

    mutating func push(_ value: Int) {
        items.append(value)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child] < items[parent] else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Int? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var smallest = parent
                if left < items.count && items[left] < items[smallest] { smallest = left }
                if right < items.count && items[right] < items[smallest] { smallest = right }
                if smallest == parent { break }
                items.swapAt(parent, smallest)
                parent = smallest
            }
        }
        return top
    }
}
