// Moved to services/common/reconcile.h: the gateway needs the interval rule
// too, and links no backend's core.
#pragma once

#include "common/reconcile.h"
