import LoupeEngine
import LoupeONNX
import LoupeReport
import LoupeTensor

/// The float initializers of a model that hold NaN or infinite values, and how many of each.
///
/// One NaN weight makes every number computed through it NaN (a +∞ weight times a zero input is NaN
/// too), so the report names these tensors once, in the run summary and in `summary.json`, and every
/// table that then holds NaN or ∞ points back to them.
struct NonFiniteWeights {
    /// One initializer with non-finite values.
    struct Entry {
        var tensor: String
        /// The nodes that read the tensor, in graph order.
        var nodes: [String]
        var nan = 0
        var positiveInfinity = 0
        var negativeInfinity = 0
        var values = 0

        var nonFinite: Int { nan + positiveInfinity + negativeInfinity }

        /// `fc.weight (node fc) holds 2 NaN and 1 +∞ of its 320 values`.
        var sentence: String {
            var counts = [String]()
            if nan > 0 { counts.append("\(nan) NaN") }
            if positiveInfinity > 0 { counts.append("\(positiveInfinity) +∞") }
            if negativeInfinity > 0 { counts.append("\(negativeInfinity) −∞") }
            let joined = counts.count > 1 ? counts.dropLast().joined(separator: ", ") + " and " + (counts.last ?? "") : (counts.first ?? "")
            let readers = nodes.isEmpty ? "" : " (node\(nodes.count > 1 ? "s" : "") \(nodes.prefix(3).map(Self.printable).joined(separator: ", ")))"
            return "\(Self.printable(tensor))\(readers) holds \(joined) of its \(Inspection.grouped(values)) values"
        }

        static func printable(_ name: String) -> String { PrintableText.escaped(name, maxLength: 80) }
    }

    /// The affected initializers in file order (empty for a healthy model).
    let entries: [Entry]

    init(_ graph: Graph) {
        var readers = [String: [String]]()
        for node in graph.nodes {
            for input in node.inputs where !input.isEmpty { readers[input, default: []].append(node.name) }
        }
        entries = graph.initializerOrder.compactMap { name in
            guard case .float(let tensor)? = graph.initializers[name] else { return nil }
            var entry = Entry(tensor: name, nodes: readers[name] ?? [], values: tensor.scalars.count)
            for value in tensor.scalars where !value.isFinite {
                if value.isNaN { entry.nan += 1 } else if value > 0 { entry.positiveInfinity += 1 } else { entry.negativeInfinity += 1 }
            }
            return entry.nonFinite > 0 ? entry : nil
        }
    }

    var isEmpty: Bool { entries.isEmpty }
    var total: Int { entries.reduce(0) { $0 + $1.nonFinite } }

    /// `fc.weight (node fc) holds 2 NaN and 1 +∞ of its 320 values; …` for at most three tensors.
    var sentence: String {
        entries.prefix(3).map(\.sentence).joined(separator: "; ") + (entries.count > 3 ? "; and \(entries.count - 3) more tensors" : "")
    }

    /// What `summary.json` says: each tensor with its counts, and a note on what follows from them.
    var summary: SummaryValue {
        .object([
            ("tensors", .list(entries.map { entry in
                .object([("tensor", .text(entry.tensor)), ("node", .text(entry.nodes.first ?? "")),
                         ("nodes", .list(entry.nodes.map { .text($0) })), ("nan", .integer(entry.nan)),
                         ("positive_infinity", .integer(entry.positiveInfinity)),
                         ("negative_infinity", .integer(entry.negativeInfinity)), ("values", .integer(entry.values))])
            })),
            ("note", .text(Self.consequence)),
        ])
    }

    /// Why other numbers of the report are NaN, ∞ or null (the PDF says more: `summary_non_finite_weights`).
    static let consequence = "Numbers computed through these weights are not finite because of them (null in this file)."

    /// The note printed under tables that hold NaN or ∞ in a report on this model (nil for a healthy model).
    var tableNote: String? {
        isEmpty ? nil : "Here they follow from the model's non-finite weights (\(entries.prefix(2).map { Entry.printable($0.tensor) }.joined(separator: ", "))"
            + "\(entries.count > 2 ? " and more" : ""); see the run summary)."
    }
}
