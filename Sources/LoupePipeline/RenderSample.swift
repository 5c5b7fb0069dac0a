import Foundation
import LoupeReport
import LoupeReportCairo

/// The version written into reports as the PDF creator "Loupe <version>".
public let loupeReportVersion = LoupeVersion.string

/// Builds the ~30-page sample report (every block type, a 10,000-point scatter) and renders it to `outputPath`.
///
/// `pageSize` is `a4` or `letter`. Prose templates come from `$LOUPE_TEMPLATES`, else `./Templates`,
/// else the `Templates` folder of the source checkout.
public func renderSampleReport(outputPath: String, pageSize: String) throws {
    let size = try PageSize.named(pageSize)
    let templates = try TemplateRenderer(folder: try defaultTemplatesFolder())
    let document = try SampleReport.document(templates: templates, version: loupeReportVersion)
    try CairoPDFRenderer().render(document, to: outputPath, pageSize: size)
}

/// The first existing folder among `$LOUPE_TEMPLATES`, `./Templates` and the checkout's `Templates`.
func defaultTemplatesFolder() throws -> String {
    var candidates: [String] = []
    if let env = ProcessInfo.processInfo.environment["LOUPE_TEMPLATES"], !env.isEmpty { candidates.append(env) }
    candidates.append(FileManager.default.currentDirectoryPath + "/Templates")
    candidates.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Templates").path)
    for path in candidates {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { return path }
    }
    throw ReportError.templateFolder(path: candidates.joined(separator: ", "), reason: "no templates folder found (set LOUPE_TEMPLATES)")
}
