// The initial value of number fields that come to hold fractions (block-rate state, settings records).
//
// V8 keeps a number field as a small integer until the first fraction is written to it; then the object's hidden
// class is replaced and every function compiled for the old one is deoptimised. That happens at whichever render
// first writes a fraction there (a preset that first modulates the volume, uses a hold time, an LFO delay …),
// possibly late in a long-running process (a bench pass, a matcher worker), and hot functions can stay in slower
// on-stack-replacement code afterwards. A field whose first value is not an integer is a double field from the
// first object on and never changes class. Negative zero is such a value and still equals 0; use it only for
// fields that are written before they are read, or where −0 and 0 give the same result.
export const DOUBLE_ZERO = -0;
