import Foundation

/// Sizes the costly sections' default workloads from the model's compute cost, so a 224-px ResNet-50 report
/// fits in minutes while small models keep every default.
///
/// Costs are counted in forward-pass equivalents (FPE: one forward pass of one image; a backward pass counts as
/// two) times the model's multiply-adds per image, taken from the planned graph at batch 1. Nothing is timed,
/// so one config on one model always gets the same sizes and the same `summary.json`. Each section has a budget
/// in multiply-adds (`budgets`); when its default workload costs more, the settings in its `knobs` list are
/// lowered in that order, each to the largest value that fits (never below its minimum), until the workload
/// fits. A key the config sets explicitly is never changed.
public struct ComputeBudget: Sendable, Equatable {
    /// Multiply-adds of one forward pass of one image.
    public var multiplyAddsPerImage: Double
    /// Images in the job's dataset.
    public var images: Int

    public init(multiplyAddsPerImage: Double, images: Int) {
        self.multiplyAddsPerImage = multiplyAddsPerImage
        self.images = images
    }

    /// Each sized section's budget in multiply-adds. On ResNet-50 at 224 px (4.1 G per image) these are about
    /// 1,460 FPE for robustness and the features and 2,440 for the sanity checks and the gradients; a model of up
    /// to about 170 M multiply-adds per image keeps every default.
    public static let budgets: [String: Double] = [
        "robustness": 6e12, "sanity": 10e12, "gradients": 10e12, "features": 6e12,
    ]

    /// One setting that may be lowered: its config key, how to read and write it, and its floor.
    public struct Knob<Options> {
        public var key: String
        public var value: WritableKeyPath<Options, Int>
        public var minimum: Int

        public init(_ key: String, _ value: WritableKeyPath<Options, Int>, minimum: Int) {
            self.key = key
            self.value = value
            self.minimum = minimum
        }
    }

    /// One setting the budget lowered.
    public struct Reduction: Sendable, Equatable {
        public var section: String
        /// Config key under `sections.<section>`.
        public var key: String
        public var defaultValue: Int
        public var value: Int
        /// The section's workload at its defaults and as run, in forward-pass equivalents.
        public var defaultFPE: Double
        public var fpe: Double
    }

    /// Lowers `knobs` of `options` (in order, skipping `explicit` keys) until `cost(options)` in FPE times the
    /// model's multiply-adds is within `budget`; returns the options and what changed.
    public func fit<Options>(_ options: Options, section: String, knobs: [Knob<Options>], explicit: Set<String>,
                             budget: Double, cost: (Options) -> Double) -> (Options, [Reduction]) {
        let allowed = budget / max(multiplyAddsPerImage, 1)
        let defaultFPE = cost(options)
        var fitted = options
        var changed = [(key: String, from: Int, to: Int)]()
        for knob in knobs where cost(fitted) > allowed && !explicit.contains(knob.key) {
            let original = fitted[keyPath: knob.value]
            guard original > knob.minimum else { continue }
            // Largest value in minimum...original that fits (cost grows with the value), else the minimum.
            var low = knob.minimum, high = original
            while low < high {
                let middle = (low + high + 1) / 2
                var trial = fitted
                trial[keyPath: knob.value] = middle
                if cost(trial) <= allowed { low = middle } else { high = middle - 1 }
            }
            fitted[keyPath: knob.value] = low
            if low != original { changed.append((knob.key, original, low)) }
        }
        let fpe = cost(fitted)
        return (fitted, changed.map {
            Reduction(section: section, key: $0.key, defaultValue: $0.from, value: $0.to, defaultFPE: defaultFPE, fpe: fpe)
        })
    }
}

extension Array where Element == OptionKey {
    /// These keys, with a note in the description of each one named in `names` that `ComputeBudget` may lower
    /// its default for a large model.
    func sized(_ names: [String]) -> [OptionKey] {
        let note = "Sized: lowered for models above about 170 M multiply-adds per image unless set here (docs/compute-budget.md)."
        return map { key in
            guard names.contains(key.name), case .object(var entries) = key.schema else { return key }
            if let index = entries.firstIndex(where: { $0.0 == "description" }), case .string(let text) = entries[index].1 {
                entries[index].1 = .string(text + " " + note)
            } else {
                entries.append(("description", .string(note)))
            }
            var marked = key
            marked.schema = .object(entries)
            return marked
        }
    }
}
