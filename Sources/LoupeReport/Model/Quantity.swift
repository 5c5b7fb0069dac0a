import Foundation

/// One printed form per kind of number, shared by tables (`numberFormat`) and prose (`format`).
///
/// A quantity is printed the same way wherever it appears: accuracy is "98.6%" in the summary table,
/// the prose, the findings and the robustness pages alike.
public enum Quantity: Sendable, Equatable, CaseIterable {
    /// Accuracy, error rate or fit on labels: a percentage with one decimal ("98.6%").
    case accuracy
    /// A model's confidence or a class probability: a percentage with one decimal ("87.3%").
    case confidence
    /// A share of a whole (pixels, weights, channels, inputs): a percentage with one decimal ("12.5%").
    case share
    /// A count of images, parameters or events: a whole number with thousands separators ("12,345").
    case count
    /// A similarity or correlation (SSIM, Spearman ρ): two decimals ("0.42").
    case similarity
    /// An area under a deletion or insertion curve: three decimals ("0.263").
    case area

    /// The table format of this quantity.
    public var numberFormat: NumberFormat {
        switch self {
        case .accuracy, .confidence, .share: return .percent(places: 1)
        case .count: return .integer
        case .similarity: return .decimal(places: 2)
        case .area: return .decimal(places: 3)
        }
    }

    /// The value as prose prints it ("–" when it is not a number).
    public func format(_ value: Double) -> String {
        value.isFinite ? numberFormat.format(value) : "–"
    }

    /// A whole number as prose prints it.
    public func format(_ value: Int) -> String { format(Double(value)) }
}

/// "1 image", "2 images": a count with the noun in the right number.
///
/// With `verb` the verb follows and agrees too: `counted(1, "layer", verb: ("is", "are"))` is "1 layer is".
public func counted(_ count: Int, _ singular: String, _ plural: String? = nil,
                    verb: (singular: String, plural: String)? = nil) -> String {
    let noun = Quantity.count.format(count) + " " + (count == 1 ? singular : plural ?? singular + "s")
    guard let verb else { return noun }
    return noun + " " + (count == 1 ? verb.singular : verb.plural)
}

/// "1 of these images (frog) is", "2 of these images (cat, dog) are": a count that names what it counts, its verb agreeing.
///
/// Long lists are cut after `limit` names ("…and 3 more").
public func namedCount(_ names: [String], of group: String, verb: (singular: String, plural: String), limit: Int = 8) -> String {
    let shown = names.prefix(limit).joined(separator: ", ") + (names.count > limit ? " and \(names.count - limit) more" : "")
    return "\(Quantity.count.format(names.count)) of \(group) (\(shown)) \(names.count == 1 ? verb.singular : verb.plural)"
}
