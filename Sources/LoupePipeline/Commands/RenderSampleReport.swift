import Foundation
import LoupeReport
import LoupeReportCairo
import LoupeReportSample

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
