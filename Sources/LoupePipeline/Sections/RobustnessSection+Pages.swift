import Foundation
import LoupeAnalysis
import LoupeCorruptions
import LoupeReport

extension RobustnessSection {
    /// The benchmark families of the paper plus the extras, in report order.
    static let families: [(String, [String])] = [
        ("Noise", ["gaussian_noise", "shot_noise", "impulse_noise"]),
        ("Blur", ["defocus_blur", "glass_blur", "motion_blur", "zoom_blur"]),
        ("Weather", ["snow", "frost", "fog", "brightness"]),
        ("Digital", ["contrast", "elastic_transform", "pixelate", "jpeg_compression"]),
        ("Extra corruptions", ["speckle_noise", "gaussian_blur", "spatter", "saturate"]),
    ]

    /// A corruption's name as the report prints it (`gaussian_noise` → `Gaussian noise`, `jpeg_compression` → `JPEG`).
    static func title(_ name: String) -> String {
        switch name {
        case "jpeg_compression": return "JPEG"
        case "elastic_transform": return "Elastic"
        case "gaussian_noise": return "Gaussian noise"
        case "gaussian_blur": return "Gaussian blur"
        default:
            let text = name.replacingOccurrences(of: "_", with: " ")
            return text.prefix(1).uppercased() + text.dropFirst()
        }
    }

    /// Builds the section's pages and numbers.
    func pages(_ r: RobustnessResult, context: JobContext) throws -> SectionOutput {
        let accuracy = r.accuracy
        let worst = r.corruptions.indices.min { r.meanAccuracy($0) < r.meanAccuracy($1) } ?? 0
        let standardError = (0.25 / Double(max(1, r.images))).squareRoot()
        var blocks = try context.templates.blocks("robustness_intro", context: [
            "corruptions": counted(r.corruptions.count, "corruption"), "severities": counted(r.severities.count, "severity", "severities"),
            "images": counted(r.images, "image"),
            "clean": pct(r.cleanAccuracy), "mca": pct(r.meanCorruptedAccuracy), "worst": Self.title(r.corruptions[worst]),
            "worst_accuracy": pct(r.meanAccuracy(worst)), "profile": r.profileTitle,
            "se": String(format: "%.1f", 100 * standardError),
        ])
        var facts: [(String, String)] = [
            ("Profile", r.profileTitle),
            ("Images per cell", "\(Inspection.grouped(r.images)) (stratified by class, job seed \(context.job.seed))"),
            ("Corruptions × severities", "\(r.corruptions.count) × \(r.severities.count) (severities \(r.severities.map(String.init).joined(separator: ", ")))"),
            ("Clean accuracy / error (same images)", "\(pct(r.cleanAccuracy)) / \(pct(r.cleanError))"),
            ("Mean corrupted accuracy", pct(r.meanCorruptedAccuracy)),
        ]
        if let mean = r.unnormalisedMeanError { facts.append(("Mean corruption error (unnormalised)", pct(mean))) }
        if let mce = r.meanCorruptionError, let normaliser = r.normaliser {
            let frost = r.corruptions.contains(Frost.name) ? " (includes the procedural frost)" : ""
            facts.append(("mCE vs \(normaliser.name)", pct(mce) + frost))
            if let without = r.meanCorruptionErrorWithoutFrost { facts.append(("mCE without frost", pct(without))) }
            if let relative = r.relativeMeanCorruptionError { facts.append(("Relative mCE", pct(relative))) }
        }
        facts.append(("JPEG q85 re-encode", r.jpegQ85 ? "applied" : "not applied"))
        blocks.append(.keyValue(facts))
        blocks += try context.templates.blocks("robustness_method", context: ["comparable": r.comparableToPublished])
        let deviations = try r.deviations(context.templates)
        blocks.append(.bullets(deviations.map { [TextRun($0)] }))

        blocks.append(.heading("Accuracy per corruption and severity", level: 2))
        var columns = [TableColumn("Corruption", weight: 1.7)]
        columns += r.severities.map { TableColumn("s\($0)", alignment: .right, format: .percent(places: 1), shaded: true) }
        columns += [TableColumn("Mean", alignment: .right, format: .percent(places: 1), shaded: true),
                    TableColumn("Δ clean", alignment: .right, format: .percent(places: 1))]
        let rows: [[TableCell]] = r.corruptions.indices.map { c in
            [.text(Self.title(r.corruptions[c]))] + accuracy[c].map { .number($0) }
                + [.number(r.meanAccuracy(c)), .number(r.meanAccuracy(c) - r.cleanAccuracy)]
        }
        blocks.append(.table(DataTable(columns: columns, rows: rows,
                                       caption: try context.templates.text("robustness_accuracy_caption", [
                                           "images": counted(r.images, "image"), "clean": pct(r.cleanAccuracy),
                                       ]),
                                       // Bright means worse in every table of this section: low accuracy here, high error below.
                                       shading: TableShading(colorMap: .magma, reversed: true))))
        blocks.append(.heading("Accuracy against severity", level: 2))
        blocks += try context.templates.blocks("robustness_severity", context: ["clean": pct(r.cleanAccuracy)])
        for (family, members) in Self.families {
            let chosen = members.compactMap { name in r.corruptions.firstIndex(of: name) }
            guard !chosen.isEmpty else { continue }
            let series = chosen.map { c in
                LineSeries(Self.title(r.corruptions[c]), points: [(0, r.cleanAccuracy)] + zip(r.severities, accuracy[c]).map { (Double($0), $1) })
            }
            blocks.append(.chart(Chart(.line(series: series, logY: false), title: family, xLabel: "severity (0 = clean)",
                                       yLabel: "accuracy", height: 150, yCovers: [0, 1])))
        }
        blocks += try corruptionErrorBlocks(r, context: context)
        blocks += try calibrationBlocks(r, context: context)
        blocks += try classBlocks(r, context: context)
        blocks += try sampleBlocks(r, context: context)
        return SectionOutput(key: Self.name, numbers: numbers(r, deviations: deviations),
                             sections: [Section(title: "Robustness to common corruptions", anchor: "robustness", blocks: blocks)])
    }

    /// CE bars and the per-corruption table, normalised by AlexNet or a baseline, else the unnormalised errors.
    func corruptionErrorBlocks(_ r: RobustnessResult, context: JobContext) throws -> [Block] {
        var blocks: [Block] = [.heading("Corruption error", level: 2)]
        let ce = r.corruptionErrors, relative = r.relativeCorruptionErrors
        var prose: [String: Any] = [
            "alexnet": r.normalisationKind == "alexnet", "none": r.normaliser == nil,
            "baseline_profile_differs": r.baseline.map { $0.profile != r.profile.rawValue } ?? false,
            "clean_error": pct(r.cleanError), "mean_error": r.unnormalisedMeanError.map { pct($0) } ?? "–",
        ]
        if let baseline = r.baseline { prose["baseline"] = baseline.normaliser.name.replacingOccurrences(of: "baseline ", with: "") }
        blocks += try context.templates.blocks("robustness_ce", context: prose)
        let names = r.corruptions.map(Self.title)
        if r.normaliser != nil {
            let shown = r.corruptions.indices.filter { ce[$0] != nil }
            blocks.append(.chart(Chart(.bars(categories: shown.map { names[$0] }, series: ["CE", "relative CE"],
                                             values: [shown.map { 100 * (ce[$0] ?? 0) }, shown.map { 100 * (relative[$0] ?? 0) }]),
                                       title: "Corruption error per corruption (100 = \(r.normaliser?.name ?? ""))",
                                       yLabel: "CE (%)", height: 240)))
        } else {
            blocks.append(.chart(Chart(.bars(categories: names, series: ["mean error", "clean error"],
                                             values: [r.corruptions.indices.map { 1 - r.meanAccuracy($0) },
                                                      r.corruptions.map { _ in r.cleanError }]),
                                       title: "Mean error over the severities per corruption (unnormalised)", yLabel: "error", height: 240)))
        }
        var columns = [TableColumn("Corruption", weight: 1.7), TableColumn("Mean accuracy", alignment: .right, format: .percent(places: 1)),
                       TableColumn("Mean error", alignment: .right, format: .percent(places: 1), shaded: true),
                       TableColumn("Error − clean", alignment: .right, format: .percent(places: 1))]
        if r.normaliser != nil {
            columns += [TableColumn("CE", alignment: .right, format: .percent(places: 1)),
                        TableColumn("Relative CE", alignment: .right, format: .percent(places: 1))]
        }
        let rows: [[TableCell]] = r.corruptions.indices.map { c in
            var row: [TableCell] = [.text(names[c]), .number(r.meanAccuracy(c)), .number(1 - r.meanAccuracy(c)),
                                    .number(1 - r.meanAccuracy(c) - r.cleanError)]
            if r.normaliser != nil { row += [ce[c].map { .number($0) } ?? .text("–"), relative[c].map { .number($0) } ?? .text("–")] }
            return row
        }
        blocks.append(.table(DataTable(columns: columns, rows: rows,
                                       caption: try context.templates.text("robustness_ce_caption"),
                                       shading: TableShading(colorMap: .magma))))
        return blocks
    }

    /// ECE and mean confidence per severity (clean = 0).
    func calibrationBlocks(_ r: RobustnessResult, context: JobContext) throws -> [Block] {
        var blocks: [Block] = [.heading("Calibration under corruption", level: 2)]
        let per = r.perSeverity
        // The sentence follows the sign of confidence − accuracy: over- and under-confidence call for different advice.
        let worst = per.last?.bins ?? r.clean.bins
        let gap = worst.meanConfidence - worst.accuracy
        let direction = abs(gap) < 0.01 ? "worst_matched" : gap > 0 ? "worst_over" : "worst_under"
        blocks += try context.templates.blocks("robustness_calibration", context: [
            "clean_ece": Quantity.accuracy.format(r.clean.bins.expectedCalibrationError),
            "worst_ece": Quantity.accuracy.format(worst.expectedCalibrationError), "worst_severity": per.last?.severity ?? 0,
            "worst_confidence": Quantity.confidence.format(worst.meanConfidence), "worst_accuracy": Quantity.accuracy.format(worst.accuracy),
            direction: true,
        ])
        func series(_ name: String, _ value: (CalibrationBins) -> Double, dashed: Bool = false) -> LineSeries {
            LineSeries(name, points: [(0, value(r.clean.bins))] + per.map { (Double($0.severity), value($0.bins)) }, dashed: dashed)
        }
        blocks.append(.chart(Chart(.line(series: [series("accuracy", \.accuracy), series("mean confidence", \.meanConfidence),
                                                  series("ECE (15 bins)", \.expectedCalibrationError, dashed: true)], logY: false),
                                   title: "Accuracy, confidence and calibration error by severity (pooled over the corruptions)",
                                   xLabel: "severity (0 = clean)", yLabel: "fraction", height: 190, yCovers: [0, 1])))
        let rows: [[TableCell]] = [[.text("clean"), .number(r.clean.bins.accuracy), .number(r.clean.bins.meanConfidence),
                                    .number(r.clean.bins.expectedCalibrationError)]]
            + per.map { [.text("severity \($0.severity)"), .number($0.bins.accuracy), .number($0.bins.meanConfidence),
                         .number($0.bins.expectedCalibrationError)] }
        blocks.append(.table(DataTable(columns: [TableColumn("Images"), TableColumn("Accuracy", alignment: .right, format: .percent(places: 1)),
                                                 TableColumn("Mean confidence", alignment: .right, format: .percent(places: 1)),
                                                 TableColumn("ECE", alignment: .right, format: .percent(places: 1), shaded: true)],
                                       rows: rows, caption: "Expected calibration error: 15 equal-width bins of top-1 confidence.",
                                       shading: TableShading(colorMap: .magma))))
        return blocks
    }

    /// The classes whose accuracy drops most under corruption.
    func classBlocks(_ r: RobustnessResult, context: JobContext) throws -> [Block] {
        let classes = r.classAccuracies.enumerated().filter { $0.element.images > 0 }
            .sorted { ($0.element.clean - $0.element.corrupted, $1.offset) > ($1.element.clean - $1.element.corrupted, $0.offset) }
        let shown = Array(classes.prefix(10))
        guard !shown.isEmpty else { return [] }
        var blocks: [Block] = [.heading("Classes that lose most", level: 2)]
        blocks += try context.templates.blocks("robustness_classes", context: ["classes": counted(shown.count, "class", "classes")])
        blocks.append(.table(DataTable(
            columns: [TableColumn("Class", weight: 1.6), TableColumn("Images", alignment: .right, format: .integer),
                      TableColumn("Clean", alignment: .right, format: .percent(places: 1)),
                      TableColumn("Corrupted", alignment: .right, format: .percent(places: 1)),
                      TableColumn("Drop", alignment: .right, format: .percent(places: 1), shaded: true)],
            rows: shown.map { [.text(context.className($0.offset)), .number(Double($0.element.images)), .number($0.element.clean),
                               .number($0.element.corrupted), .number($0.element.clean - $0.element.corrupted)] },
            caption: try context.templates.text("robustness_classes_caption"),
            shading: TableShading(colorMap: .magma))))
        return blocks
    }

    /// One image through every chosen corruption at severity 3.
    func sampleBlocks(_ r: RobustnessResult, context: JobContext) throws -> [Block] {
        guard let sample = r.sample else { return [] }
        let factor = max(1, 96 / max(1, max(sample.clean.width, sample.clean.height)))
        func raster(_ image: RGBImage8) throws -> RasterImage {
            try RasterImage(width: image.width, height: image.height, format: .rgb, pixels: image.bytes).upscaled(by: factor)
        }
        var cells = [Figure.Cell(try raster(sample.clean), caption: "clean")]
        for (name, image) in zip(r.corruptions, sample.corrupted) { cells.append(Figure.Cell(try raster(image), caption: Self.title(name))) }
        // The prose is the figure's caption so the heading stays on the figure's page.
        let caption = try context.templates.render("robustness_sample", context: [
            "index": sample.index, "class": context.className(sample.label), "upscaled": factor > 1, "factor": factor,
            "profile": r.profileTitle,
        ]).split(separator: "\n").filter { !$0.hasPrefix("{{!") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }.joined(separator: " ")
        return [.heading("One image through every corruption", level: 2),
                .figure(Figure(cells: cells, columns: 6, caption: caption, maxCellWidth: 80))]
    }
}

/// A fraction (accuracy, error, share) as the one percentage form of `Quantity`, or a dash when not finite.
func pct(_ value: Double) -> String { Quantity.share.format(value) }
