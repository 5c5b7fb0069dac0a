import Foundation
import LoupeReport

/// The first existing folder among `$LOUPE_TEMPLATES`, `./Templates` and the checkout's `Templates`.
func defaultTemplatesFolder() throws -> String {
    var candidates: [String] = []
    if let env = ProcessInfo.processInfo.environment["LOUPE_TEMPLATES"], !env.isEmpty { candidates.append(env) }
    candidates.append(FileManager.default.currentDirectoryPath + "/Templates")
    // This file is Sources/LoupePipeline/Run/DefaultTemplatesFolder.swift: four levels below the checkout.
    candidates.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Templates").path)
    for path in candidates {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { return path }
    }
    throw ReportError.templateFolder(path: candidates.joined(separator: ", "), reason: "no templates folder found (set LOUPE_TEMPLATES)")
}
