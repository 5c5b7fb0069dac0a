import Foundation
import LoupeAnalysis
import LoupeData
import LoupeReport
import LoupeTensor

/// One thing the review wants a reader to look at: a plain sentence, its number and threshold, and where it shows.
public struct Finding: Sendable, Equatable {
    /// How urgent a finding is; the Findings page lists critical ones first.
    public enum Severity: String, Sendable, Comparable, CaseIterable {
        case critical, warning, note

        var rank: Int { Severity.allCases.firstIndex(of: self) ?? 0 }
        public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
    }

    /// Stable identifier, e.g. `dead-channels:conv2`.
    public var id: String
    public var severity: Severity
    /// The `summary.json` key of the section that shows the evidence.
    public var section: String
    /// The level-1 title of that section, and the heading under it that shows the evidence.
    public var sectionTitle: String
    public var heading: String?
    /// One plain sentence.
    public var message: String
    public var value: Double
    public var threshold: Double
    /// 1-based page of `heading` (filled in after layout; 0 until then).
    public var page = 0

    /// The finding as a `summary.json` entry.
    public var summary: SummaryValue {
        .object([("id", .text(id)), ("severity", .text(severity.rawValue)), ("section", .text(section)), ("page", .integer(page)),
                 ("message", .text(message)), ("value", .number(value)), ("threshold", .number(threshold))])
    }
}

/// Reads what the sections measured (their `summary.json` numbers) and lists the findings, most severe first.
struct FindingsDetector {
    let options: FindingsOptions
    let context: JobContext
    let outputs: [SectionOutput]

    /// Every finding, ordered by severity, then by how far past its threshold it is, then by id.
    func detect() throws -> [Finding] {
        var found = [Finding]()
        found += nonFiniteWeights()
        found += deadChannels()
        found += integratedGradients()
        found += emptyMaps()
        found += emptySanityMaps()
        found += gradientFlow()
        found += sanityVerdicts()
        found += classAccuracy()
        found += robustness()
        found += try duplicatesWithTrainingData()
        return found.enumerated().sorted { a, b in
            a.element.severity != b.element.severity ? a.element.severity < b.element.severity : a.offset < b.offset
        }.map(\.element)
    }

    /// The numbers of section `key`, if it ran.
    func numbers(_ key: String) -> SummaryValue? { outputs.first { $0.key == key }?.numbers }

    /// The level-1 title of section `key` as the report prints it.
    func title(_ key: String) -> String { outputs.first { $0.key == key }?.sections.first?.title ?? key }

    func nonFiniteWeights() -> [Finding] {
        let weights = NonFiniteWeights(context.model.graph)
        guard !weights.isEmpty else { return [] }
        return [Finding(id: "non-finite-weights", severity: .critical, section: "summary", sectionTitle: title("summary"),
                        heading: "Non-finite weights",
                        message: "\(counted(weights.total, "weight", verb: ("is", "are"))) NaN or infinite: \(weights.sentence). Numbers computed through them are not finite.",
                        value: Double(weights.total), threshold: 0)]
    }

    func deadChannels() -> [Finding] {
        guard case .list(let layers)? = numbers("activations")?["layers"] else { return [] }
        var found = [Finding]()
        for layer in layers {
            guard let name = layer["value"]?.textValue, let shape = layer["shape"]?.integerValues, let channels = shape.first, channels > 0 else { continue }
            let means = layer["channel_mean"]?.doubleValues ?? []
            if means.contains(where: { !$0.isFinite }) || !(layer["mean"]?.doubleValue ?? 0).isFinite {
                found.append(Finding(id: "non-finite-activations:\(name)", severity: .critical, section: "activations",
                                     sectionTitle: title("activations"), heading: "Activation statistics",
                                     message: "Activations of \(name) contain NaN or infinite values.", value: 1, threshold: 0))
            }
            for kind in ["dead", "saturated"] {
                let count = layer[kind]?.listValue?.count ?? 0
                let share = Double(count) / Double(channels)
                guard count > 0, share > options.deadChannelShare else { continue }
                found.append(Finding(id: "\(kind)-channels:\(name)", severity: share >= 0.5 ? .critical : .warning, section: "activations",
                                     sectionTitle: title("activations"), heading: "Activation statistics",
                                     message: "\(name) has \(counted(count, "\(kind) channel")) of \(Quantity.count.format(channels)) (\(pct(share)) of the layer).",
                                     value: share, threshold: options.deadChannelShare))
            }
        }
        return found
    }

    func integratedGradients() -> [Finding] {
        guard case .list(let images)? = numbers("gradients")?["gallery"]?["images"] else { return [] }
        let errors = images.compactMap { $0["ig_relative_delta"]?.doubleValue }.map(abs)
        guard let worst = errors.max(), worst > options.integratedGradientsError else { return [] }
        let over = errors.filter { $0 > options.integratedGradientsError }.count
        return [Finding(id: "ig-completeness", severity: .warning, section: "gradients", sectionTitle: title("gradients"),
                        heading: "Attribution gallery",
                        message: "Integrated Gradients misses completeness by up to \(pct(worst)) (\(over) of \(counted(errors.count, "gallery image")) above the threshold); use more steps.",
                        value: worst, threshold: options.integratedGradientsError)]
    }

    /// Gallery maps that are all zero (a blank Grad-CAM, for instance), counted per method.
    func emptyMaps() -> [Finding] {
        guard let output = outputs.first(where: { $0.key == "gradients" }) else { return [] }
        var found = [Finding]()
        for (name, tensor) in output.arrays where name.hasPrefix("display_") && tensor.shape.count >= 2 && tensor.shape[0] > 0 {
            let rows = tensor.shape[0], size = tensor.scalars.count / rows
            guard size > 0 else { continue }
            let empty = EmptyMaps.rows(tensor).filter { $0 }.count
            guard empty > 0 else { continue }
            let method = String(name.dropFirst("display_".count)).replacingOccurrences(of: "_", with: "-")
            found.append(Finding(id: "empty-maps:\(method)", severity: .warning, section: "gradients", sectionTitle: title("gradients"),
                                 heading: "Attribution gallery",
                                 message: "Empty \(method) maps in the gallery (all zero or constant, so they carry no attribution): \(empty) of \(rows).",
                                 value: Double(empty), threshold: 0))
        }
        return found
    }

    /// Sanity maps that were empty on the original model (left out of the randomisation scores).
    func emptySanityMaps() -> [Finding] {
        guard case .object(let counts)? = numbers("sanity")?["empty_maps"] else { return [] }
        let images = numbers("sanity")?["images"]?.listValue?.count ?? 0
        return counts.compactMap { method, count in
            guard let n = count.doubleValue, n > 0 else { return nil }
            return Finding(id: "empty-sanity-maps:\(method)", severity: .warning, section: "sanity", sectionTitle: title("sanity"),
                           heading: nil,
                           message: "Empty \(method) maps on the sanity images, left out of its sanity scores: \(Int(n)) of \(images).",
                           value: n, threshold: 0)
        }
    }

    func gradientFlow() -> [Finding] {
        guard let layers = numbers("gradients")?["layers"], let flow = layers["flow"]?.textValue,
              flow == "vanishing" || flow == "exploding" else { return [] }
        let ratio = layers["first_to_last_ratio"]?.doubleValue ?? .nan
        let threshold = layers[flow == "vanishing" ? "vanishing_threshold" : "exploding_threshold"]?.doubleValue ?? .nan
        return [Finding(id: "gradient-\(flow)", severity: .warning, section: "gradients", sectionTitle: title("gradients"),
                        heading: "Gradient flow through the layers",
                        message: "Gradients are \(flow): the first layer's gradient norm is \(String(format: "%.2g", ratio)) times the last layer's.",
                        value: ratio, threshold: threshold)]
    }

    func sanityVerdicts() -> [Finding] {
        guard let sanity = numbers("sanity"), case .object(let verdicts)? = sanity["verdicts"] else { return [] }
        var found = [Finding]()
        let ssimThreshold = sanity["thresholds"]?["ssim"]?.doubleValue ?? .nan
        for (method, verdict) in verdicts {
            let outcome = verdict["randomisation"]?.textValue ?? ""
            let ssim = verdict["final_ssim"]?.doubleValue ?? .nan
            if outcome != SanityOutcome.passes.rawValue {
                let failed = outcome == SanityOutcome.fails.rawValue
                found.append(Finding(id: "sanity-randomisation:\(method)", severity: failed ? .critical : .warning, section: "sanity",
                                     sectionTitle: title("sanity"), heading: "Verdicts",
                                     message: failed
                                        ? "\(method) fails the model randomisation test: its maps barely change when the weights are randomised (final SSIM \(String(format: "%.2f", ssim)))."
                                        : "\(method)'s model randomisation test is inconclusive (final SSIM \(FiniteText.format("%.2f", ssim))).",
                                     value: ssim, threshold: ssimThreshold))
            }
            // Lower deletion AUC is better: the class score falls faster when the most important pixels go first.
            if let deletion = sanity["faithfulness"]?[method]?["deletion_auc"]?.doubleValue,
               let random = sanity["faithfulness"]?["random_order"]?["deletion_auc"]?.doubleValue,
               deletion.isFinite, random.isFinite, deletion >= random - options.deletionMargin {
                found.append(Finding(id: "deletion-vs-random:\(method)", severity: .warning, section: "sanity",
                                     sectionTitle: title("sanity"), heading: "Deletion and insertion",
                                     message: "\(method)'s deletion curve is no better than deleting pixels in random order (AUC \(FiniteText.format("%.3f", deletion)) against \(FiniteText.format("%.3f", random))).",
                                     value: deletion, threshold: random - options.deletionMargin))
            }
        }
        return found
    }

    func classAccuracy() -> [Finding] {
        var found = [Finding]()
        if let perClass = numbers("summary")?["per_class_accuracy"]?.doubleValues, perClass.count > 1 {
            let mean = perClass.reduce(0, +) / Double(perClass.count)
            for (k, accuracy) in perClass.enumerated() where mean - accuracy > options.classAccuracyGap {
                found.append(Finding(id: "class-accuracy:\(k)", severity: .warning, section: "summary", sectionTitle: title("summary"),
                                     heading: "Accuracy by class",
                                     message: "Class \(context.className(k)) is classified right \(pct(accuracy)) of the time, \(pct(mean - accuracy)) below the mean over classes (\(pct(mean))).",
                                     value: mean - accuracy, threshold: options.classAccuracyGap))
            }
        }
        return found
    }

    func robustness() -> [Finding] {
        guard let numbers = numbers("robustness") else { return [] }
        var found = [Finding]()
        let sectionTitle = title("robustness")
        if let ece = numbers["calibration"]?["clean"]?["ece"]?.doubleValue, ece > options.calibrationError {
            found.append(Finding(id: "calibration", severity: .warning, section: "robustness", sectionTitle: sectionTitle,
                                 heading: "Calibration under corruption",
                                 message: "The expected calibration error on clean images is \(pct(ece)): confidences do not match accuracy.",
                                 value: ece, threshold: options.calibrationError))
        }
        guard let clean = numbers["clean_accuracy"]?.doubleValue, case .list(let cells)? = numbers["cells"] else { return found }
        var byCorruption = [String: [Double]]()
        var order = [String]()
        for cell in cells {
            guard let name = cell["corruption"]?.textValue, let accuracy = cell["accuracy"]?.doubleValue else { continue }
            if byCorruption[name] == nil { order.append(name) }
            byCorruption[name, default: []].append(accuracy)
        }
        let drops = order.map { name -> (String, Double, Double) in
            let values = byCorruption[name] ?? []
            return (name, clean - values.reduce(0, +) / Double(max(1, values.count)), values.min() ?? clean)
        }.filter { $0.1 > options.corruptionDrop }.sorted { $0.1 > $1.1 }
        for (name, drop, worst) in drops.prefix(options.maxCorruptions) {
            found.append(Finding(id: "corruption-drop:\(name)", severity: .note, section: "robustness", sectionTitle: sectionTitle,
                                 heading: "Accuracy per corruption and severity",
                                 message: "\(name.replacingOccurrences(of: "_", with: " ").capitalized) costs \(pct(drop)) accuracy on average over the severities (worst cell \(pct(worst)), clean \(pct(clean))).",
                                 value: drop, threshold: options.corruptionDrop))
        }
        return found
    }

    /// Images of the dataset whose preprocessed pixels equal a training image's (by content hash).
    func duplicatesWithTrainingData() throws -> [Finding] {
        guard let trainingConfig = context.job.trainingData else { return [] }
        var training = context.job
        training.dataset = trainingConfig
        let trainingSet = try DatasetFactory.open(training, sampleShape: context.dataset.sampleShape, classNames: context.job.classNames)
        let seen = try Set(Self.contentHashes(trainingSet, batchSize: context.job.batchSize))
        let hashes = try Self.contentHashes(context.dataset, batchSize: context.job.batchSize)
        let duplicates = hashes.filter { seen.contains($0) }.count
        guard duplicates > 0 else { return [] }
        let share = Double(duplicates) / Double(max(1, hashes.count))
        return [Finding(id: "training-duplicates", severity: share > 0.1 ? .critical : .warning, section: "summary",
                        sectionTitle: title("summary"), heading: nil,
                        message: "\(duplicates) of \(hashes.count) evaluated images also appear in training_data (\(pct(share))): those numbers are not held-out.",
                        value: Double(duplicates), threshold: 0)]
    }

    /// A 64-bit FNV-1a hash of every image's preprocessed values, in dataset order.
    static func contentHashes(_ dataset: any Dataset, batchSize: Int) throws -> [UInt64] {
        var hashes = [UInt64]()
        var iterator = dataset.batches(size: batchSize)
        while let batch = try iterator.next() {
            let n = batch.indices.count
            let size = batch.images.scalars.count / max(1, n)
            batch.images.scalars.withUnsafeBufferPointer { values in
                for i in 0..<n {
                    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
                    for k in (i * size)..<((i + 1) * size) {
                        var bits = values[k].bitPattern
                        for _ in 0..<4 { hash = (hash ^ UInt64(bits & 0xFF)) &* 0x100_0000_01b3; bits >>= 8 }
                    }
                    hashes.append(hash)
                }
            }
        }
        return hashes
    }

    func pct(_ value: Double) -> String { Quantity.share.format(value) }
}

extension SummaryValue {
    /// The value under `key` of an object.
    subscript(key: String) -> SummaryValue? {
        if case .object(let entries) = self { return entries.first { $0.0 == key }?.1 }
        return nil
    }
    var textValue: String? { if case .text(let v) = self { return v }; return nil }
    var doubleValue: Double? {
        switch self {
        case .number(let v): return v
        case .integer(let v): return Double(v)
        default: return nil
        }
    }
    var listValue: [SummaryValue]? { if case .list(let v) = self { return v }; return nil }
    var doubleValues: [Double]? { listValue?.compactMap(\.doubleValue) }
    var integerValues: [Int]? { listValue?.compactMap { if case .integer(let v) = $0 { return v }; return nil } }
}
