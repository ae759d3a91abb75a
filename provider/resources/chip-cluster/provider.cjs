"use strict";
// The ChipCluster provider object, as this module's exports: see ../shared/shim.cjs.
module.exports = require("../shared/shim.cjs").shim("ChipCluster");
