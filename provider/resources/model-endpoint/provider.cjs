"use strict";
// The ModelEndpoint provider object, as this module's exports: see ../shared/shim.cjs.
module.exports = require("../shared/shim.cjs").shim("ModelEndpoint");
