"""Vehicles on the move, shared by the programmes that supervise fleets (垃圾分类 collection,
渣土 haulage): JT/T 808 position reports, stops at geofenced sites and trips between them."""
