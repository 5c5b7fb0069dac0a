import Foundation
import LoupeReport

/// The caveats and appendix sections of the sample report: long text, Unicode and stress cases.
extension SampleReport {
    mutating func caveats() -> Section {
        let long = String(repeating: "x", count: 10_000)
        let longWords = (0..<1500).map { "word\($0)" }.joined(separator: " ")
        var blocks: [Block] = [
            .callout(Callout(.warning, title: "Small test set", body: [
                TextRun("Per-class accuracies rest on about 1,000 images each; differences below "), .bold("2 percentage points"),
                TextRun(" are within sampling noise (95% interval ±1.9%)."),
            ])),
            .callout(Callout(.caveat, title: "Synthetic corruptions", body: [
                TextRun("The corruptions are re-implementations and differ from the published benchmark in details such as the "),
                .code("frost"), TextRun(" textures."),
            ])),
            .callout(Callout(.note, title: "Literal strings", body: [
                TextRun("Names from data are printed literally: "), .code("<b>&"), TextRun(", "), .code("a < b && c > d"),
                TextRun(", "), .code("'quoted' \"double\""), TextRun("."),
            ])),
            .heading("Unicode and long strings", level: 2),
            .text("Text is shaped by Pango: Greek (Ελληνικά, αβγδε), accents (naïve café, Ærøskøbing, Łódź), symbols (≤ ≥ ± ∞ → ✓) and CJK (日本語, 中文) where a font is installed. Cells with very long strings wrap, then end with an ellipsis; nothing overflows the page."),
        ]
        blocks.append(.table(DataTable(columns: [TableColumn("Case", weight: 1), TableColumn("Value", weight: 3, monospace: true),
                                                 TableColumn("Length", alignment: .right, format: .integer, weight: 0.6)],
                                       rows: [[.text("10,000 × 'x'"), .text(long), .number(10_000)],
                                              [.text("1,500 words"), .text(longWords), .number(Double(longWords.count))],
                                              [.text("Greek"), .text("Δέλτα — αβγδεζηθικλμνξοπρστυφχψω"), .number(30)],
                                              [.text("Markup"), .text("<b>& </i> &amp; <span>"), .number(22)],
                                              [.text("CJK"), .text("猫 犬 鳥 魚 — 画像分類器の報告"), .number(17)]],
                                       caption: "Stress cases: long strings are wrapped and cut after four lines.")))
        blocks.append(.keyValue([("Unwrapped path", String(repeating: "/very/long/path", count: 80)),
                                 ("Greek", "Σφάλμα ταξινόμησης: 12,6%")]))
        blocks.append(.pageBreak)
        blocks.append(.heading("A long paragraph across pages", level: 2))
        var sentences: [String] = []
        for i in 0..<60 {
            sentences.append("Sentence \(i + 1) of a deliberately long paragraph that the layout engine must split line by line across the page boundary without losing or repeating text.")
        }
        blocks.append(.text(sentences.joined(separator: " ")))
        return Section(title: "Caveats and limits", anchor: "caveats", blocks: blocks)
    }

    mutating func appendix() -> Section {
        var rows: [[TableCell]] = []
        var r = SampleRandom(seed: 11)
        for i in 0..<240 {
            let c = i % classes.count
            let precision = 0.7 + 0.29 * r.uniform(), recall = 0.7 + 0.29 * r.uniform()
            rows.append([.number(Double(i)), .text("img_\(String(format: "%05d", i * 41)).png"), .text(classes[c]),
                         .text(classes[(c + 1 + Int(r.uniform() * 8)) % classes.count]), .number(r.uniform()),
                         .number(precision), .number(recall), .number(2 * precision * recall / (precision + recall))])
        }
        let columns = [TableColumn("#", alignment: .right, format: .integer, weight: 0.5),
                       TableColumn("File", weight: 1.6, monospace: true), TableColumn("True", weight: 1.3),
                       TableColumn("Predicted", weight: 1.3), TableColumn("Confidence", alignment: .right, format: .decimal(places: 3), weight: 1.3, shaded: true),
                       TableColumn("Precision", alignment: .right, format: .decimal(places: 3)),
                       TableColumn("Recall", alignment: .right, format: .decimal(places: 3)),
                       TableColumn("F1", alignment: .right, format: .decimal(places: 3))]
        return Section(title: "Appendix: misclassified images", anchor: "appendix", blocks: [
            .text("The 240 misclassified test images with the lowest confidence, in file order."),
            .table(DataTable(columns: columns, rows: rows, caption: "Misclassified images (confidence shaded with gray).",
                             shading: TableShading(colorMap: .gray, range: 0...1.6))),
        ])
    }
}

/// The per-class section: one level-2 heading per class with facts and a confidence histogram.
extension SampleReport {
    mutating func perClass() -> Section {
        var blocks: [Block] = [.text("One page-half per class: the key numbers and the distribution of the model's confidence on the class's test images.")]
        for (i, name) in classes.enumerated() {
            blocks.append(.heading("Class \(i): \(name)", level: 2))
            let confused = classes[(i + 3) % classes.count]
            let confidences = (0..<800).map { _ in min(1, max(0, accuracy[i] + 0.15 * data.random.normal())) }
            blocks.append(.chart(Chart(.histogram(values: confidences, bins: 40), title: "Confidence on \(name)",
                                       xLabel: "softmax confidence", yLabel: "images", height: 130)))
            blocks.append(.keyValue([("Accuracy", percent(accuracy[i])), ("Most confused with", confused),
                                     ("Mean confidence", String(format: "%.3f", 0.6 + 0.3 * accuracy[i]))]))
        }
        return Section(title: "Per-class analysis", anchor: "classes", blocks: blocks)
    }
}
