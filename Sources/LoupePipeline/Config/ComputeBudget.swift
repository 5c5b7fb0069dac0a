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
    /// 1,460 FPE for robustness, 2,440 for the sanity checks and the features and 1,710 for the gradients; a model
    /// of up to about 260 M multiply-adds per image keeps every default.
    public static let budgets: [String: Double] = [
        "robustness": 6e12, "sanity": 10e12, "gradients": 7e12, "features": 10e12,
    ]

    /// One setting that may be changed: its config key, how to read and write it, and the cheapest value it may
    /// take (below the default for counts, above it for a stride).
    public struct Knob<Options> {
        public var key: String
        public var get: (Options) -> Int
        public var set: (inout Options, Int) -> Void
        public var limit: Int

        /// A count stored at `value`, lowered at most to `minimum`.
        public init(_ key: String, _ value: WritableKeyPath<Options, Int>, minimum: Int) {
            self.init(key, get: { $0[keyPath: value] }, set: { $0[keyPath: value] = $1 }, limit: minimum)
        }

        /// A setting read by `get` and written by `set`, moved at most to `limit`.
        public init(_ key: String, get: @escaping (Options) -> Int, set: @escaping (inout Options, Int) -> Void, limit: Int) {
            self.key = key
            self.get = get
            self.set = set
            self.limit = limit
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

    /// Moves `knobs` of `options` towards their limits (in order, skipping `explicit` keys) until `cost(options)` in FPE times the
    /// model's multiply-adds is within `budget`; returns the options and what changed.
    public func fit<Options>(_ options: Options, section: String, knobs: [Knob<Options>], explicit: Set<String>,
                             budget: Double, cost: (Options) -> Double) -> (Options, [Reduction]) {
        let allowed = budget / max(multiplyAddsPerImage, 1)
        let defaultFPE = cost(options)
        var fitted = options
        var changed = [(key: String, from: Int, to: Int)]()
        for knob in knobs where cost(fitted) > allowed && !explicit.contains(knob.key) {
            let original = knob.get(fitted)
            let distance = abs(knob.limit - original), direction = knob.limit < original ? -1 : 1
            guard distance > 0 else { continue }
            func moved(_ steps: Int) -> Options {
                var trial = fitted
                knob.set(&trial, original + direction * steps)
                return trial
            }
            // The value nearest the default that fits (the cost falls towards the limit), else the limit.
            var low = 1, high = distance
            while low < high {
                let middle = (low + high) / 2
                if cost(moved(middle)) <= allowed { high = middle } else { low = middle + 1 }
            }
            fitted = moved(low)
            changed.append((knob.key, original, original + direction * low))
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
        let note = "Sized: lowered for models above about 260 M multiply-adds per image unless set here (docs/compute-budget.md)."
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
