import LoupeEngine
import LoupeTensor

/// Features with NaN or infinite values: the layer gets no map, and the note says where the values came from.
///
/// A model with a few non-finite weights still gets its report: the other layers are mapped and this
/// layer's maps are replaced by a note counting the values and naming the non-finite weights, if any.
extension EmbeddingsSection {
    /// The note for `features` when any value is not finite, else nil.
    ///
    /// - Parameter indices: the dataset index of each feature row, to name the first affected image.
    static func nonFiniteNote(_ features: EmbeddingFeatures, indices: [Int], model: Model) -> String? {
        let dimension = max(features.dimension, 1)
        var nan = 0, infinite = 0
        var images = Set<Int>()
        var first: (row: Int, feature: Int)?
        for (position, value) in features.values.enumerated() where !value.isFinite {
            if value.isNaN { nan += 1 } else { infinite += 1 }
            images.insert(position / dimension)
            if first == nil { first = (position / dimension, position % dimension) }
        }
        guard let first else { return nil }
        let image = first.row < indices.count ? indices[first.row] : first.row
        let name = PrintableText.escaped(features.layer.name, maxLength: 80)
        var note = "the features of '\(name)' hold \(nan) NaN and \(infinite) infinite values in \(images.count) of "
            + "\(features.values.count / dimension) images (first: image \(image), feature \(first.feature))"
        let weights = NonFiniteWeights(model.graph)
        if weights.isEmpty {
            note += "; every weight is finite, so they come from the input images or from overflow inside the network"
        } else {
            let listed = weights.entries.prefix(3).map { "'\(NonFiniteWeights.Entry.printable($0.tensor))' (\($0.nonFinite) of \($0.values))" }
            note += "; weights with non-finite values: " + listed.joined(separator: ", ")
                + (weights.entries.count > 3 ? " and \(weights.entries.count - 3) more" : "")
        }
        return note
    }
}
