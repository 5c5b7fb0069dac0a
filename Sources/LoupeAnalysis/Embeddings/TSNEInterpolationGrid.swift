import LoupeTensor

extension TSNEInterpolation {
    /// The FFT side of the interpolation: a `size × size` row-major grid whose first `used` rows and
    /// columns hold node values (the rest is zero padding, size ≥ 2·used), convolved with the
    /// squared Student-t kernel by 2-D FFT (rows, then blocks of columns), both cores used.
    struct Grid {
        let size: Int, used: Int
        let workspace: Workspace
        /// Columns gathered per block in the column passes.
        static let block = 8

        init(size: Int, used: Int, workspace: Workspace) {
            self.size = size
            self.used = used
            self.workspace = workspace
        }

        /// Fills the workspace's kernel spectrum: FFT of (1 + d²)⁻² over node offsets
        /// (−used, used) × (−used, used) in circulant order, node spacing `spacing`, scaled by 1/size².
        ///
        /// The kernel is real and even along both axes, so every row and column spectrum is real:
        /// two rows (two column blocks) share one complex transform, real and imaginary parts apart.
        func kernel(spacing: Double) {
            let size = self.size, used = self.used, plan = workspace.plan
            let k = SendablePointer(workspace.kernel), h2 = spacing * spacing
            func offset(_ a: Int) -> Int? { a < used ? a : (a > size - used ? a - size : nil) }
            let rows = (0..<size).filter { offset($0) != nil }
            for a in 0..<size where offset(a) == nil { (k.base + a * size).update(repeating: 0, count: size) }
            // Rows in groups of 2·block: the first block goes to the real part, the second to the imaginary part.
            let width = Grid.block, groups = (rows.count + 2 * width - 1) / (2 * width)
            Parallel.forEachChunk(groups, grain: 1) { range in
                let buffer = UnsafeMutablePointer<Double>.allocate(capacity: 4 * size * width)
                defer { buffer.deallocate() }
                let re = buffer, im = buffer + size * width, workRe = im + size * width, workIm = workRe + size * width
                for group in range {
                    let first = 2 * width * group
                    for (target, start) in [(re, first), (im, first + width)] {
                        for b in 0..<width {
                            let row = start + b < rows.count ? rows[start + b] : -1
                            guard row >= 0, let oy = offset(row) else {
                                for c in 0..<size { target[c * width + b] = 0 }
                                continue
                            }
                            for c in 0..<size {
                                var value = 0.0
                                if let ox = offset(c) {
                                    let w = 1 / (1 + h2 * Double(ox * ox + oy * oy))
                                    value = w * w
                                }
                                target[c * width + b] = value
                            }
                        }
                    }
                    plan.transform(re: re, im: im, batch: width, inverse: false, workRe: workRe, workIm: workIm)
                    for (source, start) in [(re, first), (im, first + width)] {
                        for b in 0..<width where start + b < rows.count {
                            let row = k.base + rows[start + b] * size
                            for c in 0..<size { row[c] = source[c * width + b] }
                        }
                    }
                }
            }
            let blocks = (size + 2 * width - 1) / (2 * width)
            let scale = 1 / Double(size * size)
            Parallel.forEachChunk(blocks, grain: 1) { range in
                let buffer = UnsafeMutablePointer<Double>.allocate(capacity: 4 * size * width)
                defer { buffer.deallocate() }
                let re = buffer, im = buffer + size * width, workRe = im + size * width, workIm = workRe + size * width
                for blockIndex in range {
                    let c0 = 2 * width * blockIndex
                    let n0 = max(0, min(width, size - c0)), n1 = max(0, min(width, size - c0 - width))
                    for r in 0..<size {
                        for j in 0..<width {
                            re[r * width + j] = j < n0 ? k.base[r * size + c0 + j] : 0
                            im[r * width + j] = j < n1 ? k.base[r * size + c0 + width + j] : 0
                        }
                    }
                    plan.transform(re: re, im: im, batch: width, inverse: false, workRe: workRe, workIm: workIm)
                    for r in 0..<size {
                        for j in 0..<n0 { k.base[r * size + c0 + j] = re[r * width + j] * scale }
                        for j in 0..<n1 { k.base[r * size + c0 + width + j] = im[r * width + j] * scale }
                    }
                }
            }
        }

        /// Zeroes the used rows of both charge grids (the other rows are never read).
        func clearCharges() {
            let count = used * size
            for grid in [workspace.aRe, workspace.aIm, workspace.bRe, workspace.bIm] { grid.update(repeating: 0, count: count) }
        }

        /// Replaces both charge grids (a = aRe + i·aIm, b likewise) by their convolution with the kernel
        /// on the used block: forward row FFTs of the used rows, then per column block forward FFT,
        /// multiplication by the kernel spectrum, inverse FFT; finally inverse row FFTs of the used rows.
        func convolve() {
            let grids = [(workspace.aRe, workspace.aIm), (workspace.bRe, workspace.bIm)]
            rowPass(grids, inverse: false)
            let size = self.size, used = self.used, plan = workspace.plan, width = Grid.block
            let blocks = (size + width - 1) / width
            let k = SendablePointer(workspace.kernel)
            let boxes = grids.map { (SendablePointer($0.0), SendablePointer($0.1)) }
            Parallel.forEachChunk(2 * blocks, grain: 1) { range in
                let buffer = UnsafeMutablePointer<Double>.allocate(capacity: 4 * size * width)
                defer { buffer.deallocate() }
                let re = buffer, im = buffer + size * width, workRe = im + size * width, workIm = workRe + size * width
                for job in range {
                    let (gr, gi) = boxes[job / blocks]
                    let c0 = (job % blocks) * width, n = min(width, size - c0)
                    for r in 0..<used {
                        (re + r * width).update(from: gr.base + r * size + c0, count: n)
                        (im + r * width).update(from: gi.base + r * size + c0, count: n)
                        if n < width {
                            (re + r * width + n).update(repeating: 0, count: width - n)
                            (im + r * width + n).update(repeating: 0, count: width - n)
                        }
                    }
                    (re + used * width).update(repeating: 0, count: (size - used) * width)
                    (im + used * width).update(repeating: 0, count: (size - used) * width)
                    plan.transform(re: re, im: im, batch: width, inverse: false, workRe: workRe, workIm: workIm)
                    // Columns past `n` are zero in and out: only the first n lanes need the kernel.
                    for r in 0..<size {
                        let kernelRow = k.base + r * size + c0, rowRe = re + r * width, rowIm = im + r * width
                        for j in 0..<n { rowRe[j] *= kernelRow[j]; rowIm[j] *= kernelRow[j] }
                    }
                    plan.transform(re: re, im: im, batch: width, inverse: true, workRe: workRe, workIm: workIm)
                    for r in 0..<used {
                        (gr.base + r * size + c0).update(from: re + r * width, count: n)
                        (gi.base + r * size + c0).update(from: im + r * width, count: n)
                    }
                }
            }
            rowPass(grids, inverse: true)
        }

        /// FFTs of the used rows of each grid (in place), `block` rows at a time, interleaved.
        private func rowPass(_ grids: [(UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>)], inverse: Bool) {
            let size = self.size, used = self.used, plan = workspace.plan, width = Grid.block
            let boxes = grids.map { (SendablePointer($0.0), SendablePointer($0.1)) }
            let blocks = (used + width - 1) / width
            Parallel.forEachChunk(grids.count * blocks, grain: 1) { range in
                let buffer = UnsafeMutablePointer<Double>.allocate(capacity: 4 * size * width)
                defer { buffer.deallocate() }
                let re = buffer, im = buffer + size * width, workRe = im + size * width, workIm = workRe + size * width
                for job in range {
                    let (gr, gi) = boxes[job / blocks]
                    let r0 = (job % blocks) * width, n = min(width, used - r0)
                    for b in 0..<width {
                        if b < n {
                            let rowRe = gr.base + (r0 + b) * size, rowIm = gi.base + (r0 + b) * size
                            for c in 0..<size { re[c * width + b] = rowRe[c]; im[c * width + b] = rowIm[c] }
                        } else {
                            for c in 0..<size { re[c * width + b] = 0; im[c * width + b] = 0 }
                        }
                    }
                    plan.transform(re: re, im: im, batch: width, inverse: inverse, workRe: workRe, workIm: workIm)
                    for b in 0..<n {
                        let rowRe = gr.base + (r0 + b) * size, rowIm = gi.base + (r0 + b) * size
                        for c in 0..<size { rowRe[c] = re[c * width + b]; rowIm[c] = im[c * width + b] }
                    }
                }
            }
        }
    }
}
