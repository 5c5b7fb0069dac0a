import Foundation
import LoupeData
import LoupeTensor

extension FuzzTarget {
    /// Reads NPZ archives (leading `PK`) or NPY arrays, each the way the loaders that use them do.
    ///
    /// An NPY input is also opened with `NPYRows`, the row reader array datasets use, and its
    /// first rows are read.
    static func runArrays(_ input: Data) throws {
        if input.starts(with: [0x50, 0x4B]) {
            _ = try NPZ.read(data: input, name: "input.npz")
            return
        }
        _ = try NPY.read(data: input, name: "input.npy")
        let rows = try NPYRows(path: FuzzScratch.write(input, as: "input.npy"))
        _ = try rows.readRows(0, count: min(rows.rowCount, 4))
    }
}
