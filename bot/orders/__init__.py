"""Work orders (生活小事): residents report small problems, staff and volunteers own them to
close-out."""
